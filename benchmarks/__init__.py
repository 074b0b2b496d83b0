"""Benchmarks: synthetic lineage graphs (``generate``) and trace/impact latency (``trace``)."""
