"""The idle agent's core: stdlib only, so it can be embedded in a lifecycle script.

Notebook instances may have no internet access and the python that runs the lifecycle
script may lack boto3, so nothing in this package imports a third-party module at import
time. boto3 and pynvml are used when importable; otherwise the core speaks SigV4-signed
HTTPS (``aws``) and treats the GPU as unreadable when a device exists but NVML can't load.
Modules import each other relatively so the package can be zipped under any name.
"""
