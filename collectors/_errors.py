"""The exceptions ``collectors`` raises, and when.

Only a malformed call raises, and it does so where the call is made (when a step is defined, a record or an output
is recorded), before anything is sent::

    CollectorError                 base class: ``except CollectorError`` catches everything raised here
    └── InvalidArgument            an argument is malformed: an empty id, a value outside the contract's choices,
        │                          a time without offset, a column lineage naming an undeclared field
        │                          (also a ``ValueError``)
        └── InvalidFacet           a governance record would not validate against its facet's JSON Schema
                                   (``graph_schema/facets/<name>.json``); ``path`` names the offending field

Everything that can go wrong while the host job runs (the transport fails, the server refuses an event, an event
cannot be built, a run is ended twice or out of order) is logged as a warning on the ``collectors`` logger and the
host job goes on: lineage is never a reason for a pipeline to fail.
"""

from __future__ import annotations


class CollectorError(Exception):
    """Base class of every exception raised by ``collectors``."""


class InvalidArgument(CollectorError, ValueError):
    """An argument of a ``collectors`` call is malformed; ``argument`` names it."""

    def __init__(self, message: str, *, argument: str) -> None:
        super().__init__(message)
        self.argument = argument


class InvalidFacet(InvalidArgument):
    """A governance facet built from the arguments does not validate against its JSON Schema."""

    def __init__(self, message: str, *, facet: str, path: str) -> None:
        super().__init__(message, argument=path)
        self.facet = facet
        self.path = path
