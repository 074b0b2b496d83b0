"""The part of ``Lineage`` that owns the OpenLineage client, builds events and sends them without ever raising."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from importlib import metadata
from typing import Any, Protocol

from openlineage.client import OpenLineageClient
from openlineage.client import event_v2 as ev
from openlineage.client.facet_v2 import JobFacet, OutputDatasetFacet, RunFacet, parent_run
from openlineage.client.uuid import generate_new_uuid

from collectors._datasets import Dataset, as_input, as_output
from collectors._errors import InvalidArgument
from collectors._runs import RunRef, current_run
from collectors._values import now, text

logger = logging.getLogger("collectors")

Event = ev.RunEvent | ev.DatasetEvent | ev.JobEvent
OutputFacets = Mapping[tuple[str, str], Mapping[str, OutputDatasetFacet]]


class Client(Protocol):
    """What ``Lineage`` needs of its client: ``OpenLineageClient`` or anything that emits and closes like it."""

    def emit(self, event: Any) -> None: ...

    def close(self, timeout: float = -1.0) -> bool: ...


class _Disabled:
    """Stands in for a client that could not be configured: drops events (the warning was given once)."""

    def emit(self, event: Any) -> None:
        return None

    def close(self, timeout: float = -1.0) -> bool:
        return True


def default_producer() -> str:
    try:
        version = metadata.version("ai-lineage")
    except metadata.PackageNotFoundError:
        version = "0.0.0"
    return f"https://ai-lineage.dev/collectors/{version}"


def _client_from_environment() -> Client:
    try:
        return OpenLineageClient()
    except Exception as exc:
        # A broken openlineage.yml or OPENLINEAGE__* variable must not stop the job it would describe.
        logger.warning("collectors: cannot configure the OpenLineage client (%s); lineage events are dropped", exc)
        return _Disabled()


def new_run_id() -> str:
    return str(generate_new_uuid())


class Core:
    """Client ownership, event building and never-raising emission, shared by the parts of ``Lineage``."""

    def __init__(
        self,
        client: OpenLineageClient | Client | None = None,
        *,
        namespace: str = "default",
        producer: str | None = None,
        model_namespace: str = "models",
    ) -> None:
        if client is not None and not callable(getattr(client, "emit", None)):
            raise InvalidArgument("client must be an OpenLineageClient (or have emit and close)", argument="client")
        self.namespace = text(namespace, "namespace")
        self.producer = text(producer or default_producer(), "producer")
        self.model_namespace = text(model_namespace, "model_namespace")
        self._client: Client = client if client is not None else _client_from_environment()
        # One event at a time through the client: its transports keep unguarded state (lazy sessions, caches).
        self._lock = threading.Lock()

    @property
    def client(self) -> Client:
        """The OpenLineage client events go through."""
        return self._client

    # -- sending ---------------------------------------------------------------------------------------------
    def _send(self, what: str, build: Callable[[], Event]) -> bool:
        """Build and emit one event; any failure is logged as a warning and reported as ``False``."""
        try:
            event = build()
        except Exception:
            logger.warning("collectors: could not build the %s event; it is not sent", what, exc_info=True)
            return False
        try:
            with self._lock:
                self._client.emit(event)
        except Exception as exc:
            logger.warning("collectors: could not send the %s event: %s: %s", what, type(exc).__name__, exc)
            return False
        return True

    def close(self, timeout: float = -1.0) -> bool:
        """Flush and close the client (``timeout`` seconds at most, -1 to wait); ``False`` if events were lost."""
        try:
            with self._lock:
                return bool(self._client.close(timeout))
        except Exception as exc:
            logger.warning("collectors: closing the OpenLineage client failed: %s", exc)
            return False

    # -- building --------------------------------------------------------------------------------------------
    def _parent_facet(self, parent: RunRef) -> parent_run.ParentRunFacet:
        root = parent.child_root()
        return parent_run.ParentRunFacet(
            run=parent_run.Run(runId=parent.run_id),
            job=parent_run.Job(namespace=parent.namespace, name=parent.job),
            root=parent_run.Root(
                run=parent_run.RootRun(runId=root.run_id),
                job=parent_run.RootJob(namespace=root.namespace, name=root.job),
            ),
            producer=self.producer,
        )

    def _run_event(
        self,
        state: ev.RunState,
        run: RunRef,
        parent: RunRef | None,
        *,
        inputs: Sequence[Dataset] = (),
        outputs: Sequence[Dataset] = (),
        run_facets: Mapping[str, RunFacet] | None = None,
        job_facets: Mapping[str, JobFacet] | None = None,
        output_facets: OutputFacets | None = None,
        event_time: str | None = None,
    ) -> ev.RunEvent:
        """A RunEvent of ``run`` in ``state``, naming ``parent`` (and its root) in the ``parent`` facet."""
        facets: dict[str, RunFacet] = dict(run_facets or {})
        if parent is not None:
            facets["parent"] = self._parent_facet(parent)
        by_key = output_facets or {}
        return ev.RunEvent(
            eventType=state,
            eventTime=event_time or now(),
            run=ev.Run(runId=run.run_id, facets=facets),
            job=ev.Job(namespace=run.namespace, name=run.job, facets=dict(job_facets or {})),
            inputs=[as_input(d, self.producer) for d in inputs],
            outputs=[as_output(d, self.producer, by_key.get(d.key)) for d in outputs],
            producer=self.producer,
        )

    def _record(
        self,
        what: str,
        job: str,
        *,
        run_facets: Mapping[str, RunFacet],
        job_facets: Mapping[str, JobFacet] | None = None,
        inputs: Sequence[Dataset] = (),
        event_time: str | None = None,
    ) -> str:
        """Send a record as one COMPLETE run of ``job`` (a child of the current step, if any); its run id."""
        parent = current_run()
        parent_ref = parent.ref if parent is not None else None
        run = RunRef(self.namespace, text(job, "job"), new_run_id(), parent_ref.child_root() if parent_ref else None)
        self._send(
            f"{what} ({job})",
            lambda: self._run_event(
                ev.RunState.COMPLETE,
                run,
                parent_ref,
                inputs=inputs,
                run_facets=run_facets,
                job_facets=job_facets,
                event_time=event_time,
            ),
        )
        return run.run_id
