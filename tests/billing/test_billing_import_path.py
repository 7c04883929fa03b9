"""The product's billing code does not import the test-data generator (nor pyarrow with it).

WHY: ``formats.py`` once imported a constant from ``synth.py``, which made pyarrow a core
dependency of every ``mlcost`` command; the generator is for tests and benchmarks only.
"""

from __future__ import annotations

import subprocess
import sys


def test_billing_commands_import_neither_synth_nor_pyarrow() -> None:
    code = (
        "import sys\n"
        "import mlcost.billing.ingest, mlcost.billing.report, mlcost.billing.spend_series\n"
        "import mlcost.billing.budget, mlcost.billing.spark, mlcost.cli\n"
        "print(sorted(m for m in sys.modules if m == 'mlcost.billing.synth' or m.startswith('pyarrow')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
