"""ai-lineage: lineage and traceability for AI outputs."""

__version__ = "0.1.0"
