"""Names with ``[`` and ``]`` (rich markup syntax) or ``:emoji:`` codes print verbatim in every CLI answer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lineage_api.auth.audit import AccessLog
from lineage_api.cli import app
from lineage_api.core.settings import get_settings
from lineage_api.store.embedded.store import EmbeddedStore
from tests import governance_events as g
from tests.factories import api
from tests.privacy_events import classified, derived, step

runner = CliRunner()
RAW, BOLD, CLOSE, DECISION = "raw[2024]", "[bold]x[/bold]", "[/]", "[red]d[/red]"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("LINEAGE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("COLUMNS", "400")  # rich reads it at print time: no table cell is folded in the middle of a name
    monkeypatch.delenv("LINEAGE_NEO4J__URI", raising=False)
    monkeypatch.setenv("LINEAGE_STORE", "embedded")
    get_settings.cache_clear()
    store = EmbeddedStore(tmp_path / "graph.sqlite")
    store.apply_schema()
    events = [
        step("s0", [], classified(RAW, {"ssn": "pii.ssn"}), time="2026-01-01T00:00:00Z", job="a"),
        step(
            "s1", [RAW], derived(BOLD, {"ssn": [(RAW, "ssn", "DIRECT", False)]}), time="2026-01-02T00:00:00Z", job="b"
        ),
        g.training(
            "train",
            model_name=CLOSE,
            version="v1",
            inputs=[{"namespace": "warehouse", "name": BOLD, "facets": {}}],
            time="2026-01-03T00:00:00Z",
        ),
        g.inference("inf", model_name=CLOSE, version="v1", outputs=["o1"], time="2026-02-01T00:00:00Z"),
        g.decision(
            "d", decision_id=DECISION, action="benefit_denial", basis=[("ai_output", "o1")], time="2026-02-01T01:00:00Z"
        ),
    ]
    with api(store, tmp_path) as client:
        for event in events:
            assert client.post("/api/v1/lineage", json=event).status_code == 201
    store.close()
    yield tmp_path
    get_settings.cache_clear()


def _ran(args: list[str], exit_code: int = 0) -> str:
    result = runner.invoke(app, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == exit_code, result.output
    return result.output


def test_trace_prints_bracketed_names_verbatim(data_dir: Path) -> None:
    out = _ran(["trace", f"decision:{DECISION}"])
    assert DECISION in out and f"{CLOSE} version v1" in out and f"{BOLD}@" in out and f"{RAW}@" in out


def test_impact_prints_bracketed_names_verbatim(data_dir: Path) -> None:
    out = _ran(["impact", f"dataset:warehouse:{RAW}"])
    title = "".join(out.split())  # a table title wraps to the table's width
    assert f"impactofdataset:warehouse:{RAW}" in title and f"decision {DECISION} (benefit_denial)" in out


def test_pii_prints_bracketed_names_verbatim(data_dir: Path) -> None:
    out = _ran(["pii", "pii.ssn"])
    assert f"{RAW}.ssn" in out and f"{BOLD}.ssn" in out


def test_check_prints_bracketed_names_verbatim(data_dir: Path) -> None:
    out = _ran(["check", "--no-record"], exit_code=1)
    assert f"decision:{DECISION}" in out


def test_audit_prints_logged_queries_verbatim(data_dir: Path) -> None:
    access = AccessLog(data_dir / "access.sqlite")
    try:
        access.append(key_id="k1", role="auditor", method="GET", path="/t", query=f"n={CLOSE}", status=200, nodes=1)
        access.append(key_id=CLOSE, role=BOLD, method="GET", path="/t", query=":fire:", status=200, nodes=None)
    finally:
        access.close()
    out = _ran(["audit"])
    assert f"/t?n={CLOSE}" in out and CLOSE in out and BOLD in out and "/t?:fire:" in out and "🔥" not in out


def test_classify_and_errors_print_bracketed_names_verbatim(data_dir: Path) -> None:
    out = _ran(["classify", f"dataset:warehouse:{BOLD}", "ssn=pii.ssn"])
    assert f"of dataset:warehouse:{BOLD}" in out
    missing = _ran(["trace", f"output:{CLOSE}"], exit_code=2)
    assert CLOSE in missing


def test_keys_list_prints_labels_and_patterns_verbatim(data_dir: Path) -> None:
    from lineage_api.auth.keys import KeyStore
    from lineage_api.auth.roles import Role

    keys = KeyStore(data_dir / "auth.sqlite")
    try:
        keys.create(role=Role.VIEWER, namespaces=[BOLD, CLOSE], label=DECISION)
    finally:
        keys.close()
    out = _ran(["keys", "list"])
    assert f"{BOLD}, {CLOSE}" in out and DECISION in out
