"""The idle agent's core: stdlib only, so it can be embedded in a lifecycle script.

Notebook instances may have no internet access and the python that runs the lifecycle
script may lack boto3, so nothing in this package imports a third-party module at import
time: the core speaks SigV4-signed HTTPS itself (``aws``), and reads NVML through pynvml
when importable, else the driver's library through ctypes (``gpu``). The package is
flattened into one script for lifecycle configs (``mlcost.agent.bundle``), so its
modules import each other relatively (``from .x import y``, ``from . import x``) and
their top-level names must not collide.
"""
