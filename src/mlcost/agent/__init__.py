"""The on-instance idle agent.

``core`` is stdlib-only and embeddable (see ``bundle`` and ``lifecycle``); the Typer
commands in ``mlcost.cli.agent`` wrap it.
"""
