"""An HTTPS address in front of the app, as a TLS-terminating proxy gives it in production.

`reflex run` serves plain HTTP only. To see what a browser does with the app at an https
SITE_URL (Secure cookies, wss:// for the websocket), the tests put this in front: it accepts
TLS on 127.0.0.1 with a certificate for it from a throwaway CA (trustme), and pipes the
decrypted bytes both ways to the app's port, websockets included.

Like production fronts, it answers plain HTTP with a redirect to https. That matters here:
Reflex's page server redirects `/login` to `/login/` with a Location built from the scheme it
saw (http), and the app server (granian, as `reflex run` starts it) doesn't read
X-Forwarded-Proto. In production the http:// hop lands on the proxy's port 80 and comes back to
https; here both share one port, so the front tells them apart by the first byte (a TLS
handshake starts with 0x16).

Hand-written: it is a byte pipe of a few dozen lines over Python's `ssl`, one thread per
direction; the proxies on PyPI are whole servers with their own configuration.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading

import trustme

CHUNK = 64 * 1024
TLS_HANDSHAKE = b"\x16"
MAX_PLAIN_REQUEST_HEAD = 16 * 1024


def _pump(source: socket.socket, sink: socket.socket) -> None:
    """Copy bytes until either side ends, then close both."""
    try:
        while data := source.recv(CHUNK):
            sink.sendall(data)
    except (OSError, ssl.SSLError):
        pass
    finally:
        for end in (source, sink):
            with contextlib.suppress(OSError):
                end.close()


class TlsFront:
    def __init__(self, port: int, target_port: int) -> None:
        self.port = port
        self.target_port = target_port
        self.ca = trustme.CA()
        self._server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ca.issue_cert("localhost", "127.0.0.1").configure_cert(self._server_context)
        self._listener: socket.socket | None = None

    @property
    def url(self) -> str:
        # 127.0.0.1, not localhost: for a `localhost` backend on an https page, Reflex's frontend
        # drops the port from the websocket's address (it assumes a load balancer on 443).
        return f"https://127.0.0.1:{self.port}"

    def client_context(self) -> ssl.SSLContext:
        """For Python clients: trusts the throwaway CA."""
        context = ssl.create_default_context()
        self.ca.configure_trust(context)
        return context

    def start(self) -> TlsFront:
        self._listener = socket.create_server(("127.0.0.1", self.port), backlog=256)
        threading.Thread(target=self._accept_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._listener is not None:
            self._listener.close()

    def _accept_forever(self) -> None:
        assert self._listener is not None
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return  # stopped
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            first = conn.recv(1, socket.MSG_PEEK)
            if first != TLS_HANDSHAKE:
                self._redirect_to_https(conn)
                return
            client = self._server_context.wrap_socket(conn, server_side=True)
            app = socket.create_connection(("127.0.0.1", self.target_port))
        except (OSError, ssl.SSLError):
            conn.close()
            return
        threading.Thread(target=_pump, args=(app, client), daemon=True).start()
        _pump(client, app)

    def _redirect_to_https(self, conn: socket.socket) -> None:
        head = b""
        with contextlib.suppress(OSError):
            while b"\r\n\r\n" not in head and len(head) < MAX_PLAIN_REQUEST_HEAD:
                if not (data := conn.recv(4096)):
                    break
                head += data
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        path = parts[1] if len(parts) == 3 and parts[1].startswith("/") else "/"
        host = next((line.split(":", 1)[1].strip() for line in lines[1:]
                     if line.lower().startswith("host:")), f"localhost:{self.port}")
        with contextlib.suppress(OSError):
            conn.sendall(f"HTTP/1.1 308 Permanent Redirect\r\nLocation: https://{host}{path}\r\n"
                         "Content-Length: 0\r\nConnection: close\r\n\r\n".encode("latin-1"))
        conn.close()
