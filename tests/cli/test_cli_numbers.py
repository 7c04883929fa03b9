"""Numbers, emails, choices and option pairs: nonsense is refused with one line naming the
option, before any work (issue 20's "silently accepted" and "unclear one-liner" cases)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlcost.agent.lifecycle import MARKER
from mlcost.sources.aws.idle_guard import Guard, classify_script


@pytest.fixture(scope="module")
def bill_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from mlcost.billing import synth
    from mlcost.billing.ingest import ingest

    folder = tmp_path_factory.mktemp("bill")
    csv = synth.write(synth.generate_cur2(hours=48), folder / "cur.csv")
    db = folder / "bill.duckdb"
    ingest([csv], db)
    return db


def _rates(tmp_path: Path, doc: object) -> Path:
    path = tmp_path / "rates.json"
    path.write_text(json.dumps(doc) if not isinstance(doc, str) else doc)
    return path


GOOD_RATES = {
    "plan": "sagemaker",
    "term_years": 1,
    "payment": "no-upfront",
    "source": "AWS Savings Plans pricing page, 2026-11-01",
    "discounts": {"*": 0.3},
}


@pytest.mark.parametrize("years", ["7", "-1", "0", "2"])
def test_term_years_must_be_one_or_three(cli, bill_db, years) -> None:
    r = cli(
        "plan", "savings-plan", "--db", str(bill_db), "--rates-from-bill", "--term-years", years
    )
    assert r.code == 2
    r.one_error_line("--term-years must be 1 or 3", years)


def test_rates_and_rates_from_bill_are_exclusive(cli, bill_db, tmp_path) -> None:
    rates = _rates(tmp_path, GOOD_RATES)
    r = cli(
        "plan", "savings-plan", "--db", str(bill_db), "--rates", str(rates), "--rates-from-bill"
    )
    assert r.code == 2
    r.one_error_line("--rates and --rates-from-bill cannot be used together")


@pytest.mark.parametrize(
    "doc, words",
    [
        ({**GOOD_RATES, "discounts": {"*": float("nan")}}, ["discount for '*'", "nan"]),
        ('{"plan": "sagemaker", "source": "x", "discounts": {"*": NaN}}', ["'*'", "nan"]),
        ({**GOOD_RATES, "discounts": {"g5": "abc"}}, ["discount for 'g5'", "not a number"]),
        ({**GOOD_RATES, "term_years": "one"}, ["term_years", "'one'", "1 or 3"]),
        ({**GOOD_RATES, "term_years": 7}, ["term_years", "7", "1 or 3"]),
        ([GOOD_RATES], ["top level is a list"]),
        ({**GOOD_RATES, "discounts": [0.3]}, ["'discounts' must be an object"]),
        ({k: v for k, v in GOOD_RATES.items() if k != "source"}, ["missing 'source'"]),
        ({**GOOD_RATES, "discounts": {"*": 1.5}}, ["fraction in [0, 1)"]),
        ({**GOOD_RATES, "payment": "monthly"}, ["payment", "'monthly'", "all-upfront"]),
        ("not json at all", ["not JSON"]),
    ],
)
def test_a_bad_rates_file_names_the_field(cli, bill_db, tmp_path, doc, words) -> None:
    rates = _rates(tmp_path, doc)
    r = cli("plan", "savings-plan", "--db", str(bill_db), "--rates", str(rates))
    assert r.code == 2
    line = r.one_error_line(str(rates), *words)
    # the measured unclear one-liners are gone
    assert "ConversionSyntax" not in line and "('source')" not in line


def test_a_good_rates_file_still_plans(cli, bill_db, tmp_path) -> None:
    rates = _rates(tmp_path, GOOD_RATES)
    r = cli("plan", "savings-plan", "--db", str(bill_db), "--rates", str(rates), "-f", "json")
    assert r.code == 0, r.err
    assert json.loads(r.out)["optimal"]["commitment_usd_per_hour"] >= 0
    legacy = cli("plan", "savings-plan", "--db", str(bill_db), "--rates", str(rates), "--json")
    assert json.loads(legacy.out) == json.loads(r.out)  # the old --json spelling still works


@pytest.mark.parametrize("value", ["-2", "nan", "inf", "11"])
def test_budget_headroom_must_be_a_sane_fraction(cli, bill_db, value) -> None:
    r = cli("billing", "budget", "--db", str(bill_db), "--headroom", value)
    assert r.code == 2
    r.one_error_line("--headroom", value)


def test_budget_headroom_in_range_is_applied(cli, bill_db) -> None:
    r = cli("billing", "budget", "--db", str(bill_db), "--headroom", "0.5")
    assert r.code == 0, r.err
    # the synthetic bill's EC2 GPU history is $14,337.93 a month:
    # ceil(14,337.93 x 1.5) = ceil(21,506.895) = $21,507
    assert "EC2 GPU: history $14,337.93/month -> budget $21,507/month" in r.out


@pytest.mark.parametrize("address", ["notanemail", "a@b", "two@x.com,three@y.com", "@x.com"])
def test_budget_email_must_be_an_address(cli, bill_db, address) -> None:
    r = cli("billing", "budget", "--db", str(bill_db), "--email", address)
    assert r.code == 2
    r.one_error_line("is not an email address", address)


def test_sql_dialect_is_a_choice(cli) -> None:
    r = cli("billing", "sql", "--dialect", "oracle9")
    assert r.code == 2
    r.one_error_line("oracle9", "trino", "mlcost billing sql --help")


@pytest.mark.parametrize(
    "argv, words",
    [
        (["--idle-minutes", "inf"], ["--idle-minutes", "inf"]),
        (["--gpu-threshold", "nan"], ["--gpu-threshold", "nan"]),  # GPU never busy: refused
        (["--cpu-threshold", "-1"], ["--cpu-threshold"]),
        (["--ssh-ports", "22,abc"], ["--ssh-ports", "'abc'"]),
        (["--ssh-ports", "70000"], ["--ssh-ports", "1-65535"]),
    ],
)
def test_agent_run_refuses_bad_numbers_before_sampling(cli, monkeypatch, argv, words) -> None:
    def no_agent(*a, **k):
        raise AssertionError("the agent started with a bad setting")

    monkeypatch.setattr("mlcost.agent.core.runner.Agent", no_agent)
    r = cli("agent", "run", "--target", "none", "--once", *argv)
    assert r.code == 2
    line = r.one_error_line(*words)
    assert "invalid literal" not in line


@pytest.mark.parametrize("argv", [["--gpu-threshold", "nan"], ["--idle-minutes", "inf"]])
def test_lifecycle_config_refuses_non_finite_numbers(cli, tmp_path, argv) -> None:
    target = tmp_path / "on-start.sh"
    r = cli("agent", "lifecycle-config", "--target", "notebook", *argv, "-o", str(target))
    assert r.code == 2
    r.one_error_line(argv[0], argv[1])
    assert not target.exists()


def test_a_script_with_a_nan_threshold_is_no_guard_to_the_scan() -> None:
    exec_line = 'exec "$PY" "$P/mlcost-agent.py" install systemd "$P" log --target notebook'
    guarded = f"#!/bin/bash\n{MARKER} (notebook)\n{exec_line} --gpu-threshold 5\n"
    assert classify_script(guarded)[0] is Guard.GUARDED  # the look-alike stays guarded
    for bad in ("nan", "inf", "-inf", "NaN", "abc"):
        verdict, why = classify_script(
            guarded.replace("--gpu-threshold 5", f"--gpu-threshold {bad}")
        )
        assert verdict is Guard.NONE, bad
        assert f"--gpu-threshold {bad}" in why


@pytest.mark.parametrize("days", ["0", "abc", "456", "1.5"])
def test_scan_lookback_days_is_checked_before_scanning(cli, no_scan, days) -> None:
    r = cli("scan", "--region", "us-east-1", "--lookback-days", days)
    assert r.code == 2
    r.one_error_line("--lookback-days", days)
    assert no_scan == []


def test_fix_wait_timeout_must_be_finite(cli, no_scan) -> None:
    r = cli("fix", "--all", "--wait-timeout", "nan", "--region", "us-east-1")
    assert r.code == 2
    r.one_error_line("--wait-timeout", "nan")
