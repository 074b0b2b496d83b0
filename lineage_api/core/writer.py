"""Who wrote an event: the API key, its role and the namespace patterns it held when it wrote.

Kept with every logged event (and its graph ``Event`` node) so every change to the record can be attributed, and
so projection can tell a fact recorded with authority over a namespace from one merely observed by a foreign run.
"""

from __future__ import annotations

import fnmatch
import json
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Writer:
    key_id: str
    role: str
    namespaces: tuple[str, ...]

    def covers(self, namespace: str) -> bool:
        """Whether this writer has authority over ``namespace`` (shell-style patterns, ``*`` for all)."""
        return any(fnmatch.fnmatchcase(namespace, pattern) for pattern in self.namespaces)

    @property
    def ref(self) -> str:
        """How records name this writer: ``key:<keyId>``."""
        return f"key:{self.key_id}"

    def scope_text(self) -> str:
        return "\n".join(self.namespaces)

    def canonical(self) -> str:
        return json.dumps([self.key_id, self.role, list(self.namespaces)], separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def from_columns(cls, key_id: str, role: str, scope: str) -> Writer | None:
        if not key_id:
            return None
        return cls(key_id, role, tuple(p for p in scope.split("\n") if p))


# Events the service writes itself (compliance scans): authority over every namespace.
SYSTEM = Writer("system", "admin", ("*",))
