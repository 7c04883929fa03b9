"""Planners: what to buy or deploy from a trace, a job or a bill (``mlcost plan``)."""
