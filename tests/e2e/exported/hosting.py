"""Hosting the app from `make export`'s zips, as a deployment would: build them in a copy of the
project, serve frontend.zip with a plain static server, run backend.zip's backend, and put
several backends behind one address with a small round-robin proxy."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from devstack.app_process import APP_SETTINGS
from devstack.config import PROJECT_ROOT

EXPORT_TIMEOUT_S = 600
# What a checkout holds besides the source: never copied into the build's project copy (a
# developer's own .env and .devstack hold real secrets; the tests plant sentinels instead).
NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", ".tools", ".web", ".states", ".devstack", ".env", ".env.*", "__pycache__",
    ".pytest_cache", ".ruff_cache", ".hypothesis", "node_modules", "*.zip",
)


@dataclass
class ExportBuild:
    """The zips `make export` left in the root of a copy of the project."""

    project: Path
    api_url: str  # REFLEX_API_URL at build time: where the exported frontend finds the backend
    api_port: int
    seconds: float
    log: str = field(repr=False)

    @property
    def frontend_zip(self) -> Path:
        return self.project / "frontend.zip"

    @property
    def backend_zip(self) -> Path:
        return self.project / "backend.zip"


def copy_project(dest: Path) -> Path:
    """The project's source, with `.venv` and `.tools` linked (as in a git worktree), so the
    Makefile finds its tools installed."""
    shutil.copytree(PROJECT_ROOT, dest, ignore=NOT_SOURCE, symlinks=True)
    for shared in (".venv", ".tools"):
        (dest / shared).symlink_to((PROJECT_ROOT / shared).resolve(), target_is_directory=True)
    return dest


def make_export(project: Path, api_port: int, env: dict[str, str]) -> ExportBuild:
    """`make export` in `project`, with `env` on top of a clean environment (no app settings
    inherited from the test runner)."""
    api_url = f"http://localhost:{api_port}"
    clean = {k: v for k, v in os.environ.items()
             if k not in APP_SETTINGS and not k.startswith(("REFLEX_", "MAKE", "MFLAGS"))}
    started = time.monotonic()
    done = subprocess.run(
        ["make", "export"], cwd=project, env={**clean, **env, "REFLEX_API_URL": api_url},
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=EXPORT_TIMEOUT_S,
        check=False,
    )
    seconds = time.monotonic() - started
    log = done.stdout + done.stderr
    if done.returncode != 0:
        pytest.fail(f"make export failed ({done.returncode}):\n{log[-4000:]}")
    return ExportBuild(project, api_url, api_port, seconds, log)


def unzip(archive: Path, dest: Path) -> Path:
    with zipfile.ZipFile(archive) as zipped:
        zipped.extractall(dest)
    return dest


def zip_texts(archive: Path) -> Iterator[tuple[str, bytes]]:
    """(name, bytes) of every member, gzip sidecars decompressed as a browser would get them."""
    import gzip

    with zipfile.ZipFile(archive) as zipped:
        for name in zipped.namelist():
            data = zipped.read(name)
            yield name, gzip.decompress(data) if name.endswith(".gz") else data


class StaticSite:
    """tests/e2e/exported/static_frontend.py on uvicorn, in its own process."""

    def __init__(self, directory: Path, port: int, log_path: Path) -> None:
        self.url = f"http://localhost:{port}"
        self._log = log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory",
             "tests.e2e.exported.static_frontend:create_app",
             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
            cwd=PROJECT_ROOT, env={**os.environ, "FRONTEND_DIR": str(directory)},
            stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(self.url, timeout=2)
                return
            except httpx.HTTPError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    pytest.fail(f"the static server did not start: {log_path.read_text()}")
                time.sleep(0.2)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self._log.close()


@dataclass(frozen=True)
class Routed:
    instance: int
    kind: str  # "websocket" | "http"
    path: str  # without the query string


class RoundRobinProxy:
    """Several backend instances behind one address, routed so that a user's consecutive steps
    land on different instances (a real load balancer may do this at any time):

    - each websocket (Reflex opens one per page load, and sends that page's events over it) goes
      to the next instance in turn;
    - each plain HTTP request goes to an instance other than the one holding the newest
      websocket, on a connection of its own (`Connection: close`), so the browser's keep-alive
      can't pin later requests to one instance.

    It reads only the request head; bodies and websocket frames pass through as bytes. Each
    routed request is recorded in `routed`.
    """

    def __init__(self, port: int, upstream_ports: list[int]) -> None:
        self.port = port
        self.url = f"http://localhost:{port}"
        self.upstreams = upstream_ports
        self.routed: list[Routed] = []
        self._websockets = 0
        self._newest_websocket: int | None = None
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None

    def start(self) -> None:
        self._thread.start()
        self._server = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._serve, "127.0.0.1", self.port), self._loop
        ).result(10)

    def stop(self) -> None:
        async def close() -> None:
            if self._server is not None:
                self._server.close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def _route(self, websocket: bool, path: str) -> int:
        if websocket:
            instance = self._websockets % len(self.upstreams)
            self._websockets += 1
            self._newest_websocket = instance
        elif self._newest_websocket is None:
            instance = 0
        else:
            instance = (self._newest_websocket + 1) % len(self.upstreams)
        self.routed.append(Routed(instance, "websocket" if websocket else "http", path))
        return instance

    async def _serve(self, client_reader: asyncio.StreamReader,
                     client_writer: asyncio.StreamWriter) -> None:
        try:
            head = await client_reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            client_writer.close()
            return
        request_line, *header_lines = head.decode("latin-1").split("\r\n")
        headers = [line.split(":", 1) for line in header_lines if ":" in line]
        websocket = any(name.strip().lower() == "upgrade" and "websocket" in value.lower()
                        for name, value in headers)
        path = request_line.split(" ")[1].split("?")[0]
        instance = self._route(websocket, path)
        if not websocket:
            kept = [f"{name}:{value}" for name, value in headers
                    if name.strip().lower() not in ("connection", "keep-alive")]
            head = "\r\n".join([request_line, *kept, "Connection: close", "", ""]).encode("latin-1")
        try:
            up_reader, up_writer = await asyncio.open_connection(
                "127.0.0.1", self.upstreams[instance])
        except OSError:
            client_writer.close()
            return
        up_writer.write(head)
        to_upstream = asyncio.ensure_future(self._pipe(client_reader, up_writer))
        to_client = asyncio.ensure_future(self._pipe(up_reader, client_writer))
        await asyncio.wait([to_upstream, to_client], return_when=asyncio.FIRST_COMPLETED)
        if not websocket:
            await to_client  # the whole response, until the instance closes the connection
        for task in (to_upstream, to_client):
            task.cancel()
        for writer in (up_writer, client_writer):
            writer.close()

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
