"""Property: every command, driven with generated bad arguments, environment variables and
files, answers with one line and exit 2 (3 for nothing readable), never a traceback, and
leaves every file as it was (issue 20, point 6). The hand-written cases beside this file are
its regression tests."""

from __future__ import annotations

import hashlib
import os
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# Values that are bad by construction for each kind of option, so every example must be refused
WORDS = st.text(alphabet=string.ascii_letters, min_size=1, max_size=12).filter(
    lambda w: (
        w.lower()
        not in {
            "all",
            "table",
            "json",
            "csv",
            "markdown",
            "html",
            "duckdb",
            "spark",
            "trino",
            "athena",
        }
    )
)
NON_FINITE = st.sampled_from(["nan", "inf", "-inf", "NaN", "Infinity", "1e309", "-1e309"])
BAD_POSITIVE = st.one_of(
    NON_FINITE, WORDS, st.floats(max_value=0, allow_nan=False, allow_infinity=False).map(repr)
)
BAD_FRACTION = st.one_of(  # --headroom: 0..10
    NON_FINITE,
    WORDS,
    st.floats(max_value=-1e-9, allow_nan=False, allow_infinity=False).map(repr),
    st.floats(min_value=10.001, allow_nan=False, allow_infinity=False).map(repr),
)
BAD_PERCENT = st.one_of(  # --gpu-threshold: 0..100
    NON_FINITE,
    WORDS,
    st.floats(max_value=-1e-9, allow_nan=False, allow_infinity=False).map(repr),
    st.floats(min_value=100.001, allow_nan=False, allow_infinity=False).map(repr),
)
BAD_DAYS = st.one_of(
    NON_FINITE, WORDS, st.integers(max_value=0).map(str), st.integers(min_value=456).map(str)
)
BAD_TERM = st.one_of(WORDS, st.integers().filter(lambda n: n not in (1, 3)).map(str))


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from mlcost.billing import synth
    from mlcost.billing.ingest import ingest

    folder = tmp_path_factory.mktemp("property")
    bill = synth.write(synth.generate_cur2(hours=6), folder / "cur.csv")
    db = folder / "bill.duckdb"
    ingest([bill], db)
    corrupt = folder / "corrupt.duckdb"
    corrupt.write_bytes(b"\x00" * 64 + b"not duckdb")
    (folder / "a-file").write_text("x")
    return {"folder": folder, "bill": bill, "db": db, "corrupt": corrupt}


def _argv(draw, s: dict[str, Path]) -> tuple[list[str], dict[str, str]]:
    db, folder = str(s["db"]), s["folder"]
    bad_out = st.sampled_from(
        [str(folder), str(folder / "missing" / "r"), str(folder / "a-file" / "r")]
    )
    choices = [
        st.tuples(st.just(["scan", "-r", "us-east-1", "--lookback-days"]), BAD_DAYS),
        st.tuples(st.just(["scan", "--region"]), WORDS),
        st.tuples(st.just(["scan", "-r", "us-east-1", "-f"]), WORDS),
        st.tuples(st.just(["scan", "-r", "us-east-1", "-f", "json", "-o"]), bad_out),
        st.tuples(
            st.just(["plan", "savings-plan", "--db", db, "--rates-from-bill", "--term-years"]),
            BAD_TERM,
        ),
        st.tuples(st.just(["billing", "budget", "--db", db, "--headroom"]), BAD_FRACTION),
        st.tuples(st.just(["billing", "budget", "--db", db, "--email"]), WORDS),
        st.tuples(
            st.just(["billing", "report", "--db"]),
            st.sampled_from([str(s["corrupt"]), str(folder), str(folder / "none.duckdb")]),
        ),
        st.tuples(
            st.just(["billing", "ingest", str(s["bill"]), "--db"]),
            st.sampled_from([str(s["corrupt"]), str(folder)]),
        ),
        st.tuples(
            st.just(["billing", "ingest", str(s["bill"]), "--db", db, "--max-line-usd"]),
            BAD_POSITIVE,
        ),
        st.tuples(st.just(["billing", "sql", "--dialect"]), WORDS),
        st.tuples(
            st.just(["agent", "run", "--target", "none", "--once", "--gpu-threshold"]), BAD_PERCENT
        ),
        st.tuples(
            st.just(["agent", "run", "--target", "none", "--once", "--idle-minutes"]), BAD_POSITIVE
        ),
        st.tuples(st.just(["agent", "lifecycle-config", "--idle-minutes"]), BAD_POSITIVE),
        st.tuples(st.just(["--read-timeout"]), BAD_POSITIVE).map(
            lambda t: (t[0] + [t[1], "policy", "self"], None)
        ),
        st.tuples(st.just(["prices", "show"]), WORDS),
        st.tuples(st.just(["fix", "--all", "-r", "us-east-1", "--wait-timeout"]), BAD_POSITIVE),
    ]
    head, value = draw(st.one_of(choices))
    argv = list(head) + ([value] if value is not None else [])
    env = {}
    if draw(st.booleans()):
        env["AWS_PROFILE"] = draw(WORDS)  # no such profile: AWS commands refuse it
    return argv, env


def _digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        if p.is_file()
        else "dir"
        for p in sorted(folder.rglob("*"))
    }


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_every_bad_input_is_one_line_and_changes_nothing(cli, state, monkeypatch, data) -> None:
    def no_agent(*a, **k):
        raise AssertionError("the agent started with a bad setting")

    monkeypatch.setattr("mlcost.agent.core.runner.Agent", no_agent)
    monkeypatch.chdir(state["folder"])
    # anything that slipped through to AWS would meet a closed port and fail fast
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    argv, env = data.draw(st.composite(lambda draw: _argv(draw, state))())
    before = _digests(state["folder"])
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        r = cli(*argv)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    assert r.code in (2, 3), (argv, env, r.err)
    assert "Traceback" not in r.err and "internal error" not in r.err, (argv, r.err)
    lines = [line for line in r.err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), (argv, env, r.err)
    after = _digests(state["folder"])
    assert after == before, (argv, env)
