"""Ownership claims on the real ingestion path: run ids bound to one job, first writer wins under concurrency."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from fastapi.testclient import TestClient

from lineage_api.app import create_app
from lineage_api.auth.keys import KeyStore
from lineage_api.auth.roles import Role
from lineage_api.core.settings import AuthSettings, Settings
from lineage_api.store.protocol import GraphStore
from tests.factories import PATIENT, corpus_files, facet, run_event

SPARK_CHILD = "data-rentgen__tests__resources__events_spark__line01.json"
RUN_ID_REUSE = "data-rentgen__tests__resources__events_unknown__line01.json"


def _corpus(name: str) -> bytes:
    (path,) = [p for p in corpus_files() if p.name == name]
    return path.read_bytes()


def _secured(store: GraphStore, tmp_path: Path) -> tuple[TestClient, KeyStore]:
    settings = Settings(data_dir=tmp_path, auth=AuthSettings(rate_per_minute=100_000, burst=100_000), ingest=PATIENT)
    return TestClient(create_app(settings, store=store)), KeyStore(tmp_path / "auth.sqlite")


def test_a_run_id_reused_under_another_job_is_refused(store: GraphStore, tmp_path: Path) -> None:
    """The corpus's runId collision: a run's own event wins over a child's mention; a second job is a 409."""
    client, keys = _secured(store, tmp_path)
    admin = {"authorization": f"Bearer {keys.create(role=Role.ADMIN)[1]}"}
    with client:
        unknown = client.post("/api/v1/lineage", content=_corpus(RUN_ID_REUSE), headers=admin)
        assert unknown.status_code == 201, unknown.text
        child = client.post("/api/v1/lineage", content=_corpus(SPARK_CHILD), headers=admin)
        assert child.status_code == 409
        error = child.json()["error"]
        assert error["field"] == "run.facets.parent"
        assert "run:01908224-8410-79a2-8de6-a769ad6944c9" in error["message"]
        assert "job:unknown://unknown:somejob" in error["message"]
        again = client.post(
            "/api/v1/lineage",
            json=run_event(run_id=json.loads(_corpus(RUN_ID_REUSE))["run"]["runId"], job=("other", "job")),
            headers=admin,
        )
        assert again.status_code == 409 and again.json()["error"]["field"] == "run.runId"
    keys.close()


def test_concurrent_writers_of_one_decision_id_one_wins(store: GraphStore, tmp_path: Path) -> None:
    client, keys = _secured(store, tmp_path)
    tokens = [keys.create(role=Role.PRODUCER, namespaces=["adj"])[1] for _ in range(8)]
    statuses: list[int] = []

    def send(i: int, token: str) -> None:
        event = run_event(
            run_id=f"d-{i}",
            job=("adj", "decide"),
            run_facets={
                "aigov_decision": facet(
                    decisionId="dec-race",
                    actionType="other",
                    significant=False,
                    basis=[],
                    decidedAt=f"2026-01-0{i + 1}T00:00:00Z",
                )
            },
        )
        statuses.append(
            client.post("/api/v1/lineage", json=event, headers={"authorization": f"Bearer {token}"}).status_code
        )

    with client:
        threads = [threading.Thread(target=send, args=(i, t)) for i, t in enumerate(tokens)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(statuses) == [201] + [409] * 7, statuses
    keys.close()
