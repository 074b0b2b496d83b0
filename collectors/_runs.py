"""Runs in progress: the ``Run`` handle a step hands out, and which run is current (for ``parent`` facets)."""

from __future__ import annotations

import contextvars
import logging
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from collectors._datasets import Dataset
from collectors._errors import InvalidArgument

if TYPE_CHECKING:
    from openlineage.client.facet_v2 import OutputDatasetFacet

logger = logging.getLogger("collectors")


@dataclass(frozen=True, slots=True)
class RunRef:
    """A run's identity as a ``parent`` facet names it: job namespace and name, run id, and its root run."""

    namespace: str
    job: str
    run_id: str
    root: RunRef | None = None

    def child_root(self) -> RunRef:
        """The root a child of this run has: this run's root, or this run when it has none."""
        return self.root or self


# The run whose step is executing in this context (thread or asyncio task); steps started inside it are its
# children. A new thread starts with no current run: pass ``parent=`` to a step to link across threads.
_CURRENT: contextvars.ContextVar[Run | None] = contextvars.ContextVar("collectors_current_run", default=None)


def current_run() -> Run | None:
    """The run of the innermost step executing in this thread or task, if any."""
    return _CURRENT.get()


class Run:
    """One run of a step, as handed out by ``with lineage.step(...) as run``.

    Datasets found while the step runs can be added before it ends; they are sent with the run's end (COMPLETE or
    FAIL). Safe to use from several threads.
    """

    def __init__(self, ref: RunRef, parent: RunRef | None, inputs: Iterable[Dataset], outputs: Iterable[Dataset]):
        self._ref = ref
        self._parent = parent
        self._lock = threading.Lock()
        self._inputs: dict[tuple[str, str], Dataset] = {d.key: d for d in inputs}
        self._outputs: dict[tuple[str, str], Dataset] = {d.key: d for d in outputs}
        self._ended = False
        self._owner: object | None = None
        self._token: contextvars.Token[Run | None] | None = None

    @property
    def run_id(self) -> str:
        """The OpenLineage ``runId`` (a UUID)."""
        return self._ref.run_id

    @property
    def job(self) -> str:
        """The job name."""
        return self._ref.job

    @property
    def namespace(self) -> str:
        """The job namespace."""
        return self._ref.namespace

    @property
    def ref(self) -> RunRef:
        """The run's identity (job, run id, root), as child runs name it in their ``parent`` facet."""
        return self._ref

    @property
    def parent(self) -> RunRef | None:
        """The parent run's identity, when this run was started inside another step."""
        return self._parent

    @property
    def inputs(self) -> tuple[Dataset, ...]:
        """The datasets read so far."""
        with self._lock:
            return tuple(self._inputs.values())

    @property
    def outputs(self) -> tuple[Dataset, ...]:
        """The datasets written so far."""
        with self._lock:
            return tuple(self._outputs.values())

    def add_input(self, dataset: Dataset) -> None:
        """Record that this run read ``dataset`` (replacing an earlier one with the same namespace and name)."""
        self._add(self._inputs, dataset, "add_input")

    def add_output(self, dataset: Dataset) -> None:
        """Record that this run wrote ``dataset`` (replacing an earlier one with the same namespace and name)."""
        self._add(self._outputs, dataset, "add_output")

    def _add(self, into: dict[tuple[str, str], Dataset], dataset: Dataset, what: str) -> None:
        if not isinstance(dataset, Dataset):
            raise InvalidArgument(f"{what} takes a Dataset, not {type(dataset).__name__}", argument="dataset")
        with self._lock:
            if self._ended:
                logger.warning("collectors: %s(%s) after run %s of %s ended: ignored", what, dataset.name, *self._id())
                return
            into[dataset.key] = dataset

    def _id(self) -> tuple[str, str]:
        return self._ref.run_id, self._ref.job

    # -- hooks for the step that runs it ------------------------------------------------------------------------
    def _end(self) -> bool:
        """Mark the run ended; ``False`` when it already was."""
        with self._lock:
            was, self._ended = self._ended, True
            return not was

    def _output_facets(self, producer: str) -> Mapping[tuple[str, str], Mapping[str, OutputDatasetFacet]]:
        """Output dataset facets to send with the run's end, by dataset key."""
        return {}

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._ref.namespace}:{self._ref.job} {self._ref.run_id}>"

    def _enter(self, owner: Any) -> None:
        self._owner = owner
        self._token = _CURRENT.set(self)

    def _leave(self) -> None:
        """Make the parent current again (in the context this run was entered in)."""
        if self._token is None:
            return
        token, self._token = self._token, None
        try:
            _CURRENT.reset(token)
        except ValueError:
            # Entered in another context (e.g. another asyncio task): nothing of ours to restore here.
            logger.warning("collectors: run %s of %s ended in another context than it started in", *self._id())
