"""Catalog: read what was ingested (namespaces, jobs, datasets, runs) and the Marquez-compatible lineage graph."""
