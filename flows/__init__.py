"""Prefect flows: the demo pipelines, the scheduled compliance scan, replay."""

__all__: list[str] = []
