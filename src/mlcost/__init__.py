"""mlcost: find and cut wasted spend on machine-learning infrastructure in AWS."""

__version__ = "0.1.0"
