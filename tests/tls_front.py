"""An HTTPS address in front of the app, as a TLS-terminating proxy would give it in production.

`reflex run` serves plain HTTP only. To see what a browser does with the app at an https
SITE_URL (Secure cookies, wss:// for the websocket), the tests put this in front: it accepts
TLS on 127.0.0.1 with a certificate for `localhost` from a throwaway CA (trustme), and pipes the
decrypted bytes both ways to the app's port, websockets included.

Hand-written because it is a byte pipe of a few lines on asyncio; the TLS itself is Python's
`ssl`, and no proxy package in reach is smaller than this.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import threading

import trustme

CHUNK = 64 * 1024


class TlsFront:
    def __init__(self, port: int, target_port: int) -> None:
        self.port = port
        self.target_port = target_port
        self.ca = trustme.CA()
        self._cert = self.ca.issue_cert("localhost", "127.0.0.1")
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        return f"https://localhost:{self.port}"

    def client_context(self) -> ssl.SSLContext:
        """For Python clients: trusts the throwaway CA."""
        context = ssl.create_default_context()
        self.ca.configure_trust(context)
        return context

    def start(self) -> TlsFront:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._cert.configure_cert(context)
        self._thread.start()
        self._server = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._serve, "127.0.0.1", self.port, ssl=context), self._loop
        ).result(10)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    async def _serve(self, client_in: asyncio.StreamReader,
                     client_out: asyncio.StreamWriter) -> None:
        try:
            app_in, app_out = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            client_out.close()
            return
        await asyncio.gather(self._pipe(client_in, app_out), self._pipe(app_in, client_out))

    @staticmethod
    async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        try:
            while chunk := await source.read(CHUNK):
                sink.write(chunk)
                await sink.drain()
        except (ConnectionError, ssl.SSLError, asyncio.IncompleteReadError):
            pass
        finally:
            with contextlib.suppress(Exception):
                sink.close()
