"""A real ``lineage serve`` with API keys, on each store, shared by the module's attacks."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest

from tests.integration.conftest import SERVER_STORES, ServerPool
from tests.integration.lineage_server import LineageServer

KEYS = {
    "cbp": ("producer", ["cbp.*"]),
    "cbp2": ("producer", ["cbp.*"]),
    "approver": ("approver", ["cbp.*"]),
    "etl": ("producer", ["etl.*"]),
    "etl_approver": ("approver", ["etl.*"]),
    "privacy": ("privacy_officer", ["*"]),
    "auditor": ("auditor", ["*"]),
}


@dataclass
class Secured:
    server: LineageServer
    tokens: dict[str, str]
    clients: dict[str, httpx.Client] = field(default_factory=dict)

    def as_(self, who: str) -> httpx.Client:
        if who not in self.clients:
            self.clients[who] = httpx.Client(
                base_url=self.server.url, timeout=30.0, headers={"Authorization": f"Bearer {self.tokens[who]}"}
            )
        return self.clients[who]

    def key_id(self, who: str) -> str:
        return self.tokens[who].split("_")[1]


@pytest.fixture(scope="module", params=SERVER_STORES)
def secured(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Secured]:
    pool = ServerPool(request, tmp_path_factory.mktemp(f"secured-{request.param}"))
    server = pool.start(request.param, auth_mode="keys")
    tokens = {who: server.mint_key(role, namespaces) for who, (role, namespaces) in KEYS.items()}
    tokens["admin"] = server.admin_key or ""
    state = Secured(server, tokens)
    yield state
    for client in state.clients.values():
        client.close()
    pool.stop_all()
