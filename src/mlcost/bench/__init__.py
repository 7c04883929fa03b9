"""`mlcost bench`: load-test a model server and price what it sustained.

Modules, one job each: ``payloads`` (the request bodies file), ``arrivals`` (open-loop send
schedules), ``backends`` (one request over HTTP: OpenAI-compatible streaming or plain JSON),
``runner`` (open- and closed-loop runs with latency from the intended send time),
``metrics`` (percentiles and per-level summaries), ``costs`` (cost per 1,000 inferences and
per 1M tokens from the price catalogue), ``report`` (table, JSON, Markdown) and ``store``
(runs kept in the journal database).
"""
