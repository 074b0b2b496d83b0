"""A real ``lineage serve`` process for integration tests and benchmarks: start, wait for /health, kill, restart.

The server runs with a clean ``LINEAGE_*`` environment (only what is passed here), in its data dir as working
directory (so no stray ``.env`` is read), and logs stdout and stderr (uvicorn's access log included) to
``<data_dir>/server.log``, appended across restarts.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import functools
import importlib.util
import os
import re
import resource
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
_ACCESS = re.compile(r'"(?P<method>[A-Z]+) (?P<path>\S+) HTTP/[\d.]+" (?P<status>\d{3})')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve_command() -> list[str]:
    """The ``lineage`` console script next to this interpreter, else the same entry point through ``-c``."""
    script = Path(sys.executable).parent / "lineage"
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    return [sys.executable, "-c", "from lineage_api.cli import main; main()"]


def load_neo4j_server_module() -> Any:
    """``tools/neo4j/server.py`` as a module (the one the root conftest loaded, when it did)."""
    loaded = sys.modules.get("neo4j_dev_server")
    if loaded is not None:
        return loaded
    spec = importlib.util.spec_from_file_location("neo4j_dev_server", ROOT / "tools" / "neo4j" / "server.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["neo4j_dev_server"] = module
    spec.loader.exec_module(module)
    return module


def _die_with_parent() -> Callable[[], Any] | None:
    """A preexec hook that makes the kernel SIGTERM the child when the starting thread dies (Linux only)."""
    if not sys.platform.startswith("linux"):
        return None
    return functools.partial(ctypes.CDLL(None).prctl, 1, int(signal.SIGTERM))  # PR_SET_PDEATHSIG


def _preexec(file_size_limit: int | None) -> Callable[[], Any] | None:
    """The child's preexec hook: die with the parent and, when asked, a full disk at ``file_size_limit`` bytes."""
    die = _die_with_parent()
    if file_size_limit is None:
        return die

    def hook() -> None:
        if die is not None:
            die()
        # No file of the process grows past the limit: such a write fails (EFBIG) instead of killing it (SIGXFSZ).
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (file_size_limit, file_size_limit))

    return hook


class LineageServer:
    """One ``lineage serve`` on 127.0.0.1 over ``data_dir`` (embedded store, or Neo4j when ``neo4j_uri``).

    ``start`` after ``stop`` or ``kill`` restarts on the same data dir, port and replica id. ``auth_mode`` is
    ``insecure-dev`` (no keys, no rate limit) unless asked for ``keys``: then an admin key is minted before the
    first start and ``client()`` sends it; ``mint_key`` makes more. ``file_size_limit`` (bytes; settable between
    starts) runs the process as on a full disk: no file it writes (its log included) grows past that size.
    """

    def __init__(
        self,
        data_dir: Path,
        *,
        neo4j_uri: str | None = None,
        port: int | None = None,
        replica_id: str | None = None,
        env: Mapping[str, str] | None = None,
        auth_mode: str = "insecure-dev",
        startup_timeout_s: float = 90.0,
        file_size_limit: int | None = None,
    ) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.neo4j_uri = neo4j_uri
        self.port = port or free_port()
        # A replica id of its own keeps its Event nodes apart from other servers' in a shared Neo4j.
        self.replica_id = replica_id or f"it-{uuid.uuid4().hex[:12]}"
        self.extra_env = dict(env or {})
        self.auth_mode = auth_mode
        self.admin_key: str | None = None
        self.startup_timeout_s = startup_timeout_s
        self.file_size_limit = file_size_limit
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    # -- facts ---------------------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "server.log"

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    @property
    def store_kind(self) -> str:
        return "neo4j" if self.neo4j_uri else "embedded"

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("LINEAGE_")}
        env.update(
            PYTHONUNBUFFERED="1",
            LINEAGE_DATA_DIR=str(self.data_dir),
            LINEAGE_REPLICA_ID=self.replica_id,
            LINEAGE_STORE=self.store_kind,
            LINEAGE_AUTH__MODE=self.auth_mode,
        )
        if self.neo4j_uri:
            env["LINEAGE_NEO4J__URI"] = self.neo4j_uri
        env.update(self.extra_env)
        return env

    def log_text(self) -> str:
        with contextlib.suppress(OSError):
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        return ""

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    def requests_seen(self, method: str, path: str) -> list[int]:
        """The status of every ``method path`` request in the access log, in order (across restarts)."""
        return [
            int(m["status"])
            for m in _ACCESS.finditer(self.log_text())
            if m["method"] == method and m["path"].split("?", 1)[0] == path
        ]

    def peak_rss_kib(self) -> int | None:
        """VmHWM (peak resident set) of the running server process, in KiB."""
        if not self.alive() or self.pid is None:
            return None
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
        return None

    # -- life cycle -----------------------------------------------------------------------------------------
    def start(self) -> LineageServer:
        """Start the process and wait until ``GET /health`` answers 200."""
        if self.alive():
            raise RuntimeError(f"lineage serve already running (pid {self.pid})")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self.auth_mode == "keys" and self.admin_key is None:
            self.admin_key = self.mint_key("admin")
        cmd = [*serve_command(), "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        with open(self.log_path, "ab") as out:
            out.write(f"\n===== start #{self.starts + 1}: {' '.join(cmd)}\n".encode())
            out.flush()
            self.proc = subprocess.Popen(
                cmd,
                cwd=self.data_dir,
                env=self.environment(),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                preexec_fn=_preexec(self.file_size_limit),
            )
        self.starts += 1
        atexit.register(self.stop)
        try:
            self._wait_healthy()
        except BaseException:
            self.kill()
            raise
        return self

    def _wait_healthy(self) -> None:
        assert self.proc is not None
        deadline = time.monotonic() + self.startup_timeout_s
        last: str = "no answer yet"
        with httpx.Client(base_url=self.url, timeout=5.0) as client:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise RuntimeError(
                        f"lineage serve exited with {self.proc.returncode} at start-up; log:\n{self.log_tail()}"
                    )
                try:
                    response = client.get("/health")
                    if response.status_code == 200:
                        return
                    last = f"{response.status_code} {response.text[:200]}"
                except httpx.TransportError as exc:
                    last = repr(exc)
                time.sleep(0.1)
        raise RuntimeError(
            f"lineage serve not healthy after {self.startup_timeout_s:.0f}s ({last}); log:\n{self.log_tail()}"
        )

    def stop(self, timeout_s: float = 30.0) -> int | None:
        """SIGTERM (graceful), then SIGKILL after ``timeout_s``; returns the exit code."""
        atexit.unregister(self.stop)
        if self.proc is None:
            return None
        proc, self.proc = self.proc, None
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        return proc.returncode

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as in a power cut of the process."""
        atexit.unregister(self.stop)
        if self.proc is None:
            return
        proc, self.proc = self.proc, None
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)

    def __enter__(self) -> LineageServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- API helpers ------------------------------------------------------------------------------------------
    def mint_key(self, role: str, namespaces: list[str] | None = None) -> str:
        """A new API key in the server's key store (``<data_dir>/auth.sqlite``); returns its bearer token."""
        from lineage_api.auth.keys import KeyStore
        from lineage_api.auth.roles import Role

        keys = KeyStore(self.data_dir / "auth.sqlite")
        try:
            _, token = keys.create(role=Role(role), namespaces=namespaces, label="integration tests")
        finally:
            keys.close()
        return token

    def client(self, timeout_s: float = 30.0) -> httpx.Client:
        """An HTTP client on the server, authenticated as admin when keys are required."""
        headers = {"Authorization": f"Bearer {self.admin_key}"} if self.admin_key else {}
        return httpx.Client(base_url=self.url, timeout=timeout_s, headers=headers)

    def health(self, client: httpx.Client) -> dict[str, Any]:
        response = client.get("/health")
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        return body

    def wait_projected(self, client: httpx.Client, timeout_s: float = 60.0, *, poll_s: float = 0.05) -> dict[str, Any]:
        """Poll ``/health`` until the projection lag is 0; returns that health answer."""
        deadline = time.monotonic() + timeout_s
        health = self.health(client)
        while health["ingest"]["lag"] != 0:
            if time.monotonic() >= deadline:
                raise AssertionError(f"projection lag still {health['ingest']} after {timeout_s:.0f}s")
            time.sleep(poll_s)
            health = self.health(client)
        return health

    def iter_events(self, client: httpx.Client) -> Iterator[dict[str, Any]]:
        """Every event of the log (``GET /api/v1/events``, all pages)."""
        after = 0
        while True:
            response = client.get("/api/v1/events", params={"after": after, "limit": 1000})
            response.raise_for_status()
            page = response.json()
            yield from page["events"]
            if page["next_after"] is None:
                return
            after = int(page["next_after"])
