"""``Lineage``: the one object a pipeline holds to describe its steps, model runs and governance records."""

from __future__ import annotations

import os
from types import TracebackType

from collectors._governance import GovernanceMixin
from collectors._models import ModelsMixin


class Lineage(GovernanceMixin, ModelsMixin):
    """Sends OpenLineage events that ai-lineage understands, through an ``OpenLineageClient`` it owns.

    ``Lineage(client=None, namespace="default", producer=None, model_namespace="models")``: without a client,
    ``OpenLineageClient()`` is configured the client's usual way (``OPENLINEAGE_URL``, ``OPENLINEAGE_API_KEY``,
    ``openlineage.yml``, ``OPENLINEAGE__TRANSPORT__*``; the console when nothing is set). ``namespace`` is the job
    namespace of every run; models are datasets in ``model_namespace``.

    Safe to share between threads. Never raises into the host job: a failure to build or send an event is a
    warning on the ``collectors`` logger. Only a malformed call raises (``CollectorError``), where it is made.

    Steps: ``step``, ``sql_step``; models: ``model``, ``training_run``, ``evaluation_run``, ``inference_run``;
    governance: ``declare_use_case``, ``record_approval``, ``revoke_approval``, ``record_review``,
    ``record_decision``, ``report_incident``, ``classify``. ``close`` flushes the client (or use ``with``).
    """

    @classmethod
    def from_env(cls, *, producer: str | None = None, model_namespace: str = "models") -> Lineage:
        """A ``Lineage`` configured from the environment: the client as ``OpenLineageClient()`` finds it
        (``OPENLINEAGE_URL``, ``OPENLINEAGE_API_KEY``, ``openlineage.yml``, ...) and the job namespace from
        ``OPENLINEAGE_NAMESPACE`` (default ``"default"``). A configuration that cannot be read is a warning, and
        events are dropped: the job still runs."""
        namespace = os.environ.get("OPENLINEAGE_NAMESPACE") or "default"
        return cls(namespace=namespace, producer=producer, model_namespace=model_namespace)

    def __enter__(self) -> Lineage:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Lineage namespace={self.namespace!r} client={type(self.client).__name__}>"
