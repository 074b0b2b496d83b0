"""Instrument pipelines and model runs with OpenLineage events that ai-lineage understands."""

__all__: list[str] = []
