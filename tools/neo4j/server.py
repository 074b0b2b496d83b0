#!/usr/bin/env python3
"""Run a real Neo4j Community server (jars resolved by Maven, no Docker) for tests and benchmarks.

CLI: python tools/neo4j/server.py start|stop|status|run [--port N] [--home DIR] [--state FILE] [--heap 512m]
`start` prints only the bolt URI on stdout (diagnostics go to stderr) and leaves the server running.
API: `with Neo4jServer() as srv: use(srv.uri)`. Stdlib only; the `neo4j` driver is imported lazily.
Env: LINEAGE_NEO4J_CACHE (dir holding `neo4j-<version>/`, default ~/.cache/ai-lineage),
LINEAGE_NEO4J_VERSION (overrides pom.xml's neo4j.version), JAVA_HOME.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import ctypes
import fcntl
import functools
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

POM = Path(__file__).resolve().parent / "pom.xml"
MAIN_CLASS = "org.neo4j.server.CommunityEntryPoint"
JVM_FLAGS = [
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-XX:+ExitOnOutOfMemoryError",
]
# Neo4j validates setting names strictly: an unknown one makes the server refuse to start.
SETTINGS = [
    "server.http.enabled=false",
    "server.https.enabled=false",
    "dbms.security.auth_enabled=false",
    "server.memory.pagecache.size=128m",
    "db.transaction.timeout=60s",
    "dbms.usage_report.enabled=false",
    # internal 5.26 settings: without them Bolt's netty shutdown idles ~10 s on every stop
    "internal.dbms.bolt.netty_server_shutdown_quiet_period=0",
    "internal.dbms.bolt.netty_server_shutdown_timeout=5s",
]


def log(msg: str) -> None:
    print(f"[neo4j] {msg}", file=sys.stderr, flush=True)


def neo4j_version() -> str:
    if env := os.environ.get("LINEAGE_NEO4J_VERSION"):
        return env
    m = re.search(r"<neo4j\.version>([^<]+)</neo4j\.version>", POM.read_text())
    if not m:
        raise RuntimeError(f"no <neo4j.version> in {POM}")
    return m.group(1).strip()


def cache_dir(version: str | None = None) -> Path:
    root = os.environ.get("LINEAGE_NEO4J_CACHE") or Path.home() / ".cache" / "ai-lineage"
    return Path(root).expanduser() / f"neo4j-{version or neo4j_version()}"


def _lib_complete(lib: Path, version: str) -> bool:
    try:
        marker = json.loads((lib / ".complete").read_text())
    except (OSError, ValueError):
        return False
    return marker.get("version") == version and all((lib / j).is_file() for j in marker.get("jars", []))


def ensure_jars(version: str | None = None) -> Path:
    """Return the dir holding all server jars; runs mvn only when that cache is missing or incomplete."""
    version = version or neo4j_version()
    cache = cache_dir(version)
    lib = cache / "lib"
    if _lib_complete(lib, version):
        return lib
    cache.mkdir(parents=True, exist_ok=True)
    with open(cache / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # concurrent test processes resolve only once
        if _lib_complete(lib, version):
            return lib
        if (mvn := shutil.which("mvn")) is None:
            raise RuntimeError("Maven (mvn) is needed to resolve the Neo4j jars")
        tmp = Path(tempfile.mkdtemp(prefix="lib.", dir=cache))
        log(f"resolving Neo4j {version} jars with Maven into {lib} ...")
        t0 = time.monotonic()
        cmd = [mvn, "-B", "-q", "-f", str(POM), f"-Dneo4j.version={version}"]
        cmd += ["dependency:copy-dependencies", f"-DoutputDirectory={tmp}"]
        res = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True)
        jars = sorted(p.name for p in tmp.glob("*.jar"))
        if res.returncode != 0 or not jars:
            shutil.rmtree(tmp, ignore_errors=True)
            raise RuntimeError(f"mvn failed ({res.returncode}):\n{(res.stdout + res.stderr)[-4000:]}")
        (tmp / ".complete").write_text(json.dumps({"version": version, "jars": jars}))
        shutil.rmtree(lib, ignore_errors=True)
        tmp.rename(lib)
        log(f"resolved {len(jars)} jars in {time.monotonic() - t0:.1f}s")
    return lib


def java_bin() -> str:
    if home := os.environ.get("JAVA_HOME"):
        return str(Path(home) / "bin" / "java")
    default = Path("/usr/lib/jvm/java-17-openjdk-amd64/bin/java")
    return str(default) if default.exists() else "java"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pid_alive(pid: int) -> bool:
    try:  # a zombie counts as gone
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return False


def stop_pid(pid: int, timeout: float = 60.0) -> None:
    """SIGTERM, wait up to `timeout` seconds, then SIGKILL."""
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 10.0)):
        if not pid_alive(pid):
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)
        deadline = time.monotonic() + wait
        while pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)


def _tail(path: Path, lines: int = 40) -> str:
    with contextlib.suppress(OSError):
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    return f"(no {path})"


class Neo4jServer:
    """A throwaway Neo4j server on 127.0.0.1, auth disabled, in a fresh home dir (a temp dir unless given).

    Unless `detach`, the JVM gets SIGTERM when the thread that called start() exits (PR_SET_PDEATHSIG),
    and stop() also runs at interpreter exit: call start() from a long-lived thread (pytest's main one).
    """

    def __init__(
        self,
        *,
        port: int | None = None,
        home: str | Path | None = None,
        heap: str = "512m",
        timeout: float = 180.0,
        detach: bool = False,
    ) -> None:
        self.port, self.heap, self.timeout, self.detach = port, heap, timeout, detach
        self.home = Path(home).resolve() if home else None
        self.temp_home = home is None
        self.version = neo4j_version()
        self.cold_start_s: float | None = None
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def uri(self) -> str:
        return f"bolt://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def command(self, lib: Path) -> list[str]:
        addr = f"127.0.0.1:{self.port}"
        settings = [f"server.bolt.listen_address={addr}", f"server.bolt.advertised_address={addr}", *SETTINGS]
        cmd = [java_bin(), f"-Xmx{self.heap}", *JVM_FLAGS, "-cp", f"{lib}/*", MAIN_CLASS]
        cmd += ["--home-dir", str(self.home), "--console-mode"]
        return cmd + [arg for s in settings for arg in ("-c", s)]

    def start(self) -> str:
        """Start the server, wait until `RETURN 1` answers on database neo4j, return the bolt URI."""
        lib = ensure_jars(self.version)
        self.home = self.home or Path(tempfile.mkdtemp(prefix="lineage-neo4j-"))
        for sub in ("conf", "data", "logs", "plugins", "import"):
            (self.home / sub).mkdir(parents=True, exist_ok=True)
        self.port = self.port or free_port()
        console = self.home / "logs" / "console.log"
        # unless detached, the kernel SIGTERMs the JVM if this process dies (prctl PR_SET_PDEATHSIG)
        hook = None if self.detach else functools.partial(ctypes.CDLL(None).prctl, 1, int(signal.SIGTERM))
        t0 = time.monotonic()
        with open(console, "ab") as out:
            self.proc = subprocess.Popen(
                self.command(lib), cwd=self.home, stdin=subprocess.DEVNULL, stdout=out,
                stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=hook,
            )  # fmt: skip
        if not self.detach:
            atexit.register(self.stop)
        try:
            self._wait_ready(console)
        except BaseException:
            self.stop(remove_home=False)
            raise
        self.cold_start_s = time.monotonic() - t0
        log(f"Neo4j {self.version} ready at {self.uri} in {self.cold_start_s:.1f}s (pid {self.pid})")
        return self.uri

    def _wait_ready(self, console: Path) -> None:
        from neo4j import GraphDatabase  # lazy: stop/status work without the driver

        assert self.proc is not None
        deadline = time.monotonic() + self.timeout
        last: Exception | None = None
        with GraphDatabase.driver(self.uri, auth=None, connection_timeout=2.0) as driver:
            while self.proc.poll() is None and time.monotonic() < deadline:
                try:
                    with driver.session(database="neo4j") as session:
                        if session.run("RETURN 1 AS ok").single(strict=True)["ok"] == 1:
                            return
                except Exception as exc:  # not up yet: ServiceUnavailable, DatabaseUnavailable, ...
                    last = exc
                    time.sleep(0.25)
        code = self.proc.poll()
        why = f"exited with {code}" if code is not None else f"not ready after {self.timeout:.0f}s ({last!r})"
        raise RuntimeError(f"Neo4j {why}; {console}:\n{_tail(console)}")

    def stop(self, remove_home: bool = True) -> None:
        """SIGTERM, wait up to 60 s, SIGKILL; removes the home dir if it was a temp dir."""
        atexit.unregister(self.stop)
        if self.proc is not None:
            stop_pid(self.proc.pid)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=5)
            self.proc = None
        if remove_home and self.temp_home and self.home is not None:
            shutil.rmtree(self.home, ignore_errors=True)
            self.home = None

    def __enter__(self) -> Neo4jServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def read_state(path: Path) -> dict[str, Any] | None:
    """The state file written by `start`, with "alive" set if its pid is still that Neo4j server."""
    try:
        state: dict[str, Any] = json.loads(path.read_text())
        pid = int(state["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    with contextlib.suppress(OSError):  # the cmdline check guards against a recycled pid
        state["alive"] = pid_alive(pid) and MAIN_CLASS.encode() in Path(f"/proc/{pid}/cmdline").read_bytes()
    return state


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", choices=["start", "stop", "status", "run"])
    ap.add_argument("--port", type=int, help="bolt port (default: a free one)")
    ap.add_argument("--home", help="server home dir (default: a fresh temp dir, removed on stop)")
    ap.add_argument("--heap", default="512m", help="JVM -Xmx (default 512m)")
    ap.add_argument("--state", type=Path, help="state file (default <cache>/server.json)")
    ap.add_argument("--timeout", type=float, default=180.0, help="startup timeout in seconds")
    args = ap.parse_args(argv)
    state_path: Path = args.state or cache_dir() / "server.json"
    state = read_state(state_path)
    alive = bool(state and state.get("alive"))
    if args.command == "status":
        print(f"running {state['uri']} (pid {state['pid']})" if state and alive else "not running")
        return 0 if alive else 1
    if args.command == "stop":
        if state is None:
            log(f"no state file {state_path}; nothing to stop")
            return 0
        if alive:
            stop_pid(int(state["pid"]))
            log(f"stopped pid {state['pid']}")
        if state.get("temp_home"):
            shutil.rmtree(state["home"], ignore_errors=True)
        state_path.unlink(missing_ok=True)
        return 0
    if args.command == "start" and state and alive:
        log(f"already running (pid {state['pid']}, state {state_path})")
        print(state["uri"])
        return 0
    detach = args.command == "start"
    srv = Neo4jServer(port=args.port, home=args.home, heap=args.heap, timeout=args.timeout, detach=detach)
    try:
        srv.start()
    except RuntimeError as exc:
        log(f"start failed: {exc}")
        return 1
    if detach:
        info = {"pid": srv.pid, "uri": srv.uri, "home": str(srv.home), "temp_home": srv.temp_home}
        state_path.parent.mkdir(parents=True, exist_ok=True)
        state_path.write_text(json.dumps({**info, "version": srv.version, "cold_start_s": srv.cold_start_s}))
        print(srv.uri, flush=True)
        return 0
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(srv.uri, flush=True)
    try:
        while srv.proc is not None and srv.proc.poll() is None:
            time.sleep(0.5)
        log(f"Neo4j exited on its own; see {srv.home}/logs/console.log")
        srv.temp_home = False  # keep the logs
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        srv.stop()


if __name__ == "__main__":
    sys.exit(main())
