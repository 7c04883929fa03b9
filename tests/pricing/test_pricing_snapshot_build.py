"""The shipped snapshot is exactly what tools/build_price_snapshot.py makes from shared/."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from mlcost.pricing.catalogue import SNAPSHOT_PATH

TOOL = Path(__file__).resolve().parents[2] / "tools" / "build_price_snapshot.py"


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_price_snapshot", TOOL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_rebuild_equals_shipped_snapshot(shared_prices: Path) -> None:
    tool = _tool()
    rebuilt = tool.dumps(tool.build(shared_prices))
    assert rebuilt == SNAPSHOT_PATH.read_text(encoding="utf-8"), (
        "snapshot is stale: run `python tools/build_price_snapshot.py`"
    )


def test_fmbench_parser_keeps_price_strings_exact() -> None:
    text = (
        "pricing:\n  instance_based:\n    # comment\n    ml.g5.xlarge: 1.4084\n"
        "    trn1.32xlarge: 21.50\n    anthropic.claude-v3-sonnet-pt-nc: 88\n"
        "  token_based:\n    amazon.nova-micro-v1:0:\n      input-per-1k-tokens: 0.000035\n"
    )
    parsed = _tool().parse_fmbench_instance_prices(text)
    assert parsed == {
        "ml.g5.xlarge": "1.4084",
        "trn1.32xlarge": "21.50",
        "anthropic.claude-v3-sonnet-pt-nc": "88",
    }


def test_tool_refuses_a_folder_without_readme(tmp_path: Path, capsys) -> None:
    assert _tool().main(["--prices-dir", str(tmp_path), "--output", str(tmp_path / "o.json")]) == 2
    assert "--prices-dir" in capsys.readouterr().err
    assert not (tmp_path / "o.json").exists()
