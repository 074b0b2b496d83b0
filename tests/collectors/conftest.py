"""Fixtures: a ``Lineage`` whose events land in memory."""

from __future__ import annotations

import pytest

from collectors import Lineage
from tests.collectors.memory import MemoryTransport, lineage_with


@pytest.fixture
def memory() -> MemoryTransport:
    return MemoryTransport()


@pytest.fixture
def lineage(memory: MemoryTransport) -> Lineage:
    return lineage_with(memory)
