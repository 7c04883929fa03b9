"""Run the mlcost CLI and SIGKILL it at a chosen point (the crash-resume tests' subprocess).

``python crash_cli.py after-snapshot fix ...``: killed right after the first snapshot is
committed, before the fix's first mutating call.
``python crash_cli.py after-call:DeleteEndpoint fix ...``: killed right after AWS answered the
first call of that operation, before the journal records the answer.

The product is not changed: the kill is patched in here, in the test's own process.
"""

from __future__ import annotations

import os
import signal
import sys


def _kill() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def main() -> None:
    mode, args = sys.argv[1], sys.argv[2:]
    if mode == "after-snapshot":
        from mlcost.journal.store import Journal

        save = Journal.save_snapshot

        def save_then_die(self, *a, **kw):
            save(self, *a, **kw)
            _kill()

        Journal.save_snapshot = save_then_die
    elif mode.startswith("after-call:"):
        import botocore.client

        target = mode.split(":", 1)[1]
        call = botocore.client.BaseClient._make_api_call

        def call_then_die(self, operation, params):
            response = call(self, operation, params)
            if operation == target:
                _kill()
            return response

        botocore.client.BaseClient._make_api_call = call_then_die
    else:
        raise SystemExit(f"unknown mode {mode}")
    sys.argv = ["mlcost", *args]
    from mlcost.cli import main as cli_main

    cli_main()


if __name__ == "__main__":
    main()
