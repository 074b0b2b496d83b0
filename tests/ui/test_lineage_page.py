"""The lineage page (``/ui/``) in a real headless Chromium, against a live ``lineage serve`` with the demo data.

``run.mjs`` (Node, playwright-core driving Debian's ``chromium``; axe-core from npm) does what an auditor and a privacy
officer would do and writes what it saw to a JSON file; this test asserts on it. Screenshots and exported files go to
``tests/ui/screenshots/`` (or ``$LINEAGE_UI_SCREENSHOTS``); the path is printed. Set up with ``apt-get install
chromium`` and ``npm ci --prefix tests/ui`` (``.ci/run`` does both). Without them the test skips locally, and fails
under ``CI``.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.lineage_server import LineageServer, serve_command
from tests.ui.synthetic import ROOT as LARGE_ROOT
from tests.ui.synthetic import fanout_events

pytestmark = [pytest.mark.integration, pytest.mark.slow]

UI_DIR = Path(__file__).resolve().parent
DENIAL = "decision:dec-C-1002"
MODEL = "dataset:models:benefits-triage#v2"
EXTERNAL = "dataset:sftp://vendor-analytics.example.com:outbound/claims_extract.csv"
PNG_SIGNATURE = "89504e470d0a1a0a"
SERIOUS = {"serious", "critical"}


def chromium_path() -> str | None:
    given = os.environ.get("LINEAGE_UI_CHROMIUM")
    if given:
        return given
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    return found or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)


def tooling() -> tuple[str, str]:
    """(node, chromium), or skip (fail under CI) naming what is missing."""
    node = shutil.which("node")
    chromium = chromium_path()
    missing = []
    if not node:
        missing.append("node")
    if not chromium or not Path(chromium).exists():
        missing.append("chromium (apt-get install chromium)")
    for package in ("playwright-core", "axe-core"):
        if not (UI_DIR / "node_modules" / package / "package.json").is_file():
            missing.append(f"{package} (npm ci --prefix tests/ui)")
    if missing:
        message = "browser tests need " + ", ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(message + " (CI must install them: see .ci/run)")
        pytest.skip(message)
    assert node and chromium
    return node, chromium


def _clean_env(**extra: str) -> dict[str, str]:
    prefixes = ("LINEAGE_", "PREFECT_", "OPENLINEAGE_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    env.update(PYTHONUNBUFFERED="1", **extra)
    return env


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir filled by ``lineage demo --no-serve --port 0`` (the benefits-claims pipeline through Prefect)."""
    tooling()
    data = tmp_path_factory.mktemp("ui-demo")
    env = _clean_env(LINEAGE_DATA_DIR=str(data), PREFECT_HOME=str(data / "prefect"))
    done = subprocess.run(
        [*serve_command(), "demo", "--no-serve", "--port", "0"],
        cwd=data,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, f"lineage demo failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return data


def _copy_store(source: Path, target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    for path in source.iterdir():
        if path.is_file() and path.name.startswith(("graph.sqlite", "events.sqlite")):
            shutil.copy2(path, target / path.name)
    return target


@pytest.fixture(scope="module")
def servers(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LineageServer, LineageServer]]:
    """``lineage serve --insecure-dev`` on the demo data plus a 2,000-node fan-out, and a copy that needs keys."""
    keyed_dir = _copy_store(demo_dir, tmp_path_factory.mktemp("ui-keyed"))
    open_server = LineageServer(demo_dir).start()
    keyed = LineageServer(keyed_dir, auth_mode="keys")
    try:
        keyed.start()
        with open_server.client(timeout_s=120) as client:
            events = fanout_events()
            for i in range(0, len(events), 100):
                answer = client.post("/api/v1/lineage/batch", json=events[i : i + 100])
                assert answer.status_code == 200 and answer.json()["summary"]["failed"] == 0, answer.text[:500]
            open_server.wait_projected(client, timeout_s=120)
            impact = client.get("/api/v1/impact", params={"nodeId": LARGE_ROOT}).json()
            assert len(impact["nodes"]) >= 2000, len(impact["nodes"])
        yield open_server, keyed
    finally:
        keyed.stop()
        open_server.stop()


@pytest.fixture(scope="module")
def seen(servers: tuple[LineageServer, LineageServer]) -> dict[str, Any]:
    """What the browser saw: run.mjs's results (screenshots in the shots folder)."""
    node, chromium = tooling()
    open_server, keyed = servers
    shots = Path(os.environ.get("LINEAGE_UI_SCREENSHOTS") or UI_DIR / "screenshots").resolve()
    shutil.rmtree(shots, ignore_errors=True)
    shots.mkdir(parents=True)
    out = shots / "results.json"
    auditor = keyed.mint_key("auditor")
    with keyed.client() as admin:  # a viewer who may see the decision and the models, not the datasets behind them
        decision = admin.get("/api/v1/trace", params={"nodeId": DENIAL}).json()["root"]
    viewer = keyed.mint_key("viewer", namespaces=[decision["props"]["namespace"], "models"])
    args = [node, str(UI_DIR / "run.mjs"), "--base", open_server.url, "--out", str(out), "--shots", str(shots)]
    args += [
        "--chromium",
        chromium,
        "--large",
        LARGE_ROOT,
        "--keyed",
        keyed.url,
        "--key",
        auditor,
        "--viewer-key",
        viewer,
    ]
    done = subprocess.run(args, cwd=UI_DIR, capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
    print(f"\nlineage page screenshots: {shots}")
    assert out.is_file(), (
        f"run.mjs wrote no results (exit {done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    )
    results: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    results["shotsDir"] = str(shots)
    _report(results)
    return results


def _report(results: dict[str, Any]) -> None:
    large = results.get("large") or {}
    direct = [r["totalMs"] for r in large.get("direct", [])]
    first = (large.get("lastLoad") or {}).get("drawMs")
    fetched = (large.get("lastLoad") or {}).get("fetchMs")
    print(
        f"2,000-node impact: time to first draw {first and round(first)} ms after a {fetched and round(fetched)} ms "
        f"fetch; rendering the same answer directly: median {direct and round(statistics.median(direct))} ms "
        f"(runs {[round(d) for d in direct]}); {(large.get('lastDraw') or {}).get('drawn')} shapes drawn"
    )
    for view, violations in results.get("axe", {}).items():
        counts = {impact: sum(1 for v in violations if v["impact"] == impact) for impact in ("critical", "serious")}
        minor = [f"{v['id']} ({v['impact']})" for v in violations if v["impact"] not in SERIOUS]
        print(f"axe {view}: {counts['critical']} critical, {counts['serious']} serious; other: {minor or 'none'}")


def _step_ok(seen: dict[str, Any], name: str) -> None:
    step = next((s for s in seen["steps"] if s["name"].startswith(name)), None)
    assert step is not None, f"step {name!r} did not run: {seen.get('fatal')}"
    assert step["ok"], f"step {step['name']!r} failed: {step.get('error')}"


def _labels(nodes: list[dict[str, Any]]) -> dict[str, str]:
    return {n["id"]: n["label"] for n in nodes}


def test_the_page_is_served_offline_and_the_browser_saw_no_errors(seen: dict[str, Any]) -> None:
    _step_ok(seen, "open the page")
    assert seen["start"]["title"].startswith("ai-lineage")
    assert seen["start"]["url"].endswith("/ui/")
    assert "no key needed" in seen["start"]["keyStatus"]
    ours = tuple(b for b in (seen["base"], seen["keyedBase"]) if b)
    outside = sorted({u for u in seen["requests"] if not u.startswith((*ours, "data:", "blob:"))})
    assert outside == [], f"requests left the server (no CDN allowed): {outside[:5]}"
    assert seen["pageErrors"] == []
    # The only console errors allowed are the 404s of search probes (decision:/output:/run: + the typed text).
    unexpected = [
        c for c in seen["console"] if not (c["text"].startswith("Failed to load resource") and "/api/v1/" in c["url"])
    ]
    assert unexpected == [], unexpected
    assert not [c for c in seen["console"] if "Content Security Policy" in c["text"]]


def test_search_finds_the_unreviewed_denial_and_its_trace_shows_model_finding_and_approvals(
    seen: dict[str, Any],
) -> None:
    _step_ok(seen, "search the unreviewed denial")
    assert DENIAL in seen["search"]["text"]
    trace = seen["trace"]
    labels = _labels(trace["nodes"])
    assert "#/trace?nodeId=decision%3Adec-C-1002" in trace["url"]
    assert MODEL in labels and "MODEL VERSION" in labels[MODEL] and "benefits-triage@v2" in labels[MODEL]
    assert "NO_HUMAN_REVIEW · V.A.3" in labels[DENIAL] and "SOLE_BASIS · V.A.9.a" in labels[DENIAL]
    assert "finding" in next(n["classes"] for n in trace["nodes"] if n["id"] == DENIAL)
    assert "✔ in force" in labels["approval:appr-aigb-triage-v2"]
    assert any(e["source"] == "approval:appr-aigb-triage-v2" and e["target"] == MODEL for e in trace["edges"])
    assert "As of 2026-" in trace["summary"] and "complete" in trace["summary"]
    assert "Gap: no instrumented run wrote incoming/claims.csv" in trace["banner"]
    text = trace["textAlt"]
    assert "NO_HUMAN_REVIEW" in text and "✔ in force" in text and "benefits-triage@v2" in text
    assert "No human review" in text


def test_depth_control_and_truncation_banner(seen: dict[str, Any]) -> None:
    _step_ok(seen, "depth control")
    shallow = seen["shallow"]
    assert "depth=2" in shallow["url"] and shallow["nodes"] < len(seen["trace"]["nodes"])
    assert "Truncated: the depth limit (2 hops) stopped the walk" in shallow["banner"]


def test_an_approval_not_in_force_is_marked_with_text_not_only_style(seen: dict[str, Any]) -> None:
    _step_ok(seen, "an approval not in force")
    lapsed = seen["lapsed"]
    assert "✖ not in force" in lapsed["label"] and "notinforce" in lapsed["classes"]
    assert lapsed["row"] and "✖ not in force" in lapsed["row"]


def test_clicking_a_node_opens_its_panel_with_facts_and_actions(seen: dict[str, Any]) -> None:
    _step_ok(seen, "click the model version")
    panel = seen["panel"]
    assert "MODEL VERSION" in panel["title"] and "benefits-triage@v2" in panel["title"]
    assert MODEL in panel["text"]
    assert "✔ in force" in panel["text"] and "appr-aigb-triage-v2" in panel["text"]
    assert "Trace from here" in panel["text"] and "Impact from here" in panel["text"]
    assert "From the catalog" in panel["text"] and "MODEL" in panel["text"]
    assert panel["focused"] == "panel-title"


def test_the_drawing_works_from_the_keyboard_with_a_visible_focus(seen: dict[str, Any]) -> None:
    _step_ok(seen, "keyboard")
    kb = seen["keyboard"]
    assert kb["home"] == DENIAL and kb["left"] == "output:out-C-1002"
    assert kb["ring"]["outline"].startswith("solid") and kb["ring"]["shadow"] != "none"
    assert "AI OUTPUT" in kb["panelTitle"] and kb["active"] == "panel-title"
    assert kb["back"] == {"active": "graph", "panelHidden": True}
    assert kb["rows"] == ["output:out-C-1002"]
    assert kb["tabbing"] and all(t["visible"] for t in kb["tabbing"]), kb["tabbing"]


def test_exports_png_json_and_prov(seen: dict[str, Any]) -> None:
    _step_ok(seen, "exports")
    png = seen["exports"]["png"]
    head = Path(png["path"]).read_bytes()[:8]
    assert head.hex() == PNG_SIGNATURE == png["signature"]
    assert png["width"] > 400 and png["height"] > 200 and png["bytes"] > 10_000
    assert png["suggested"].endswith(".png")
    assert seen["exports"]["json"]["root"] == DENIAL
    assert {"entity", "activity"} <= set(seen["exports"]["prov"]["keys"])


def test_impact_from_the_panel_reaches_the_decisions(seen: dict[str, Any]) -> None:
    _step_ok(seen, "impact from the model version")
    impact = seen["impact"]
    ids = {n["id"] for n in impact["nodes"]}
    assert "#/impact?nodeId=dataset%3Amodels%3Abenefits-triage%23v2" in impact["url"]
    assert {DENIAL, "decision:dec-C-1001", "output:out-C-1002"} <= ids
    assert "impact starts here" in _labels(impact["nodes"])[MODEL]


def test_pii_view_highlights_the_external_extract_and_masking(seen: dict[str, Any]) -> None:
    _step_ok(seen, "PII view")
    pii = seen["pii"]
    nodes = {n["id"]: n for n in pii["nodes"]}
    assert "external" in nodes[EXTERNAL]["classes"] and "⚠ EXTERNAL" in nodes[EXTERNAL]["label"]
    source = "field:postgres://benefits-db:5432:benefits.raw.claims#ssn"
    assert "source" in nodes[source]["classes"] and "declared" in nodes[source]["label"]
    masked = [e for e in pii["edges"] if "masked" in e["classes"]]
    assert [(e["source"], e["target"]) for e in masked] == [
        (source, "field:postgres://benefits-db:5432:benefits.ml.claim_features#ssn_hash")
    ]
    assert "External datasets it reaches" in pii["textAlt"] and "claims_extract.csv" in pii["textAlt"]


def test_a_2000_node_impact_collapses_and_draws_within_two_seconds(seen: dict[str, Any]) -> None:
    _step_ok(seen, "a 2,000-node impact")
    large = seen["large"]
    assert large["lastDraw"]["total"] >= 2000
    assert large["lastDraw"]["drawn"] <= 400 and large["lastDraw"]["groups"] >= 1
    assert large["lastLoad"]["drawMs"] < 2000, large["lastLoad"]
    assert statistics.median(r["totalMs"] for r in large["direct"]) < 2000, large["direct"]
    assert large["keyMs"] < 1000
    assert large["expand"] and large["expand"]["drawnAfter"] > large["expand"]["drawnBefore"]
    assert "collapsed group" in large["banner"]


def test_the_impact_time_window_narrows_the_answer(seen: dict[str, Any]) -> None:
    _step_ok(seen, "impact in a time window")
    window = seen["window"]
    assert "until=2026-01-05T08%3A01%3A09Z" in window["url"]
    assert "Downstream from the beginning to 2026-01-05 08:01:09" in window["summary"]
    # runs 0-9 (one a second from 08:01:00), each with its dataset version and two outputs, and the model version
    assert window["total"] == 1 + 10 * 4 and window["groups"] == 0


def test_axe_finds_no_serious_or_critical_violations_in_any_view(seen: dict[str, Any]) -> None:
    views = {"start", "trace", "trace-panel", "impact", "pii", "impact-large", "key-prompt", "viewer-redacted"}
    assert views <= set(seen["axe"]), sorted(seen["axe"])
    bad = {view: [v for v in found if v["impact"] in SERIOUS] for view, found in seen["axe"].items()}
    assert all(not v for v in bad.values()), bad


def test_with_keys_the_page_asks_for_one_and_uses_it(seen: dict[str, Any]) -> None:
    _step_ok(seen, "keyed server")
    keyed = seen["keyed"]
    assert "needs an API key" in keyed["prompt"]["keyStatus"]
    assert "API key" in keyed["prompt"]["banner"]
    assert "key accepted" in keyed["keyStatus"] and keyed["nodes"] > 10
    assert keyed["keyInField"] == ""
    assert keyed["stored"]["local"] == []
    viewer = keyed["viewer"]
    assert "Redacted:" in viewer["banner"] and "restricted" in viewer["banner"]
    assert viewer["restricted"] and all("RESTRICTED" in label for label in viewer["restricted"])


def test_screenshots_are_written(seen: dict[str, Any]) -> None:
    shots = [Path(p) for p in seen["screenshots"]]
    assert len(shots) >= 10 and all(p.is_file() and p.read_bytes()[:8].hex() == PNG_SIGNATURE for p in shots)
