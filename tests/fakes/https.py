"""A local HTTPS server with a throwaway CA (trustme), for the cloud stand-ins."""

from __future__ import annotations

import json
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self

import trustme


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    received: float = 0.0
    """time.monotonic() when the request arrived."""


Route = Callable[
    [Request],
    tuple[int, dict[str, Any] | None] | tuple[int, dict[str, Any] | None, dict[str, str]],
]
"""(status, JSON document or None for no body (204)[, extra headers])."""


class LocalHttpsServer:
    """Serves `route(request)` on https://127.0.0.1:<port>; records every request."""

    def __init__(self, route: Route, tmp_dir: Path, name: str, port: int = 0) -> None:
        self.requests: list[Request] = []
        ca = trustme.CA()
        self.ca_bundle = tmp_dir / f"{name}-ca.pem"
        ca.cert_pem.write_to_path(str(self.ca_bundle))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                return

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                request = Request(
                    self.command,
                    self.path,
                    {k.lower(): v for k, v in self.headers.items()},
                    self.rfile.read(length) if length else b"",
                    time.monotonic(),
                )
                server.requests.append(request)
                answer = route(request)
                status, document = answer[0], answer[1]
                self.send_response(status)
                for name, value in (answer[2] if len(answer) > 2 else {}).items():
                    self.send_header(name, value)
                if document is None:
                    # 204 No Content carries no body; a client reusing the connection
                    # would read stray bytes as the next response.
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                data = json.dumps(document).encode()
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _serve

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self.base_url = f"https://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class HttpsFake:
    """A cloud stand-in on its own LocalHttpsServer: `with fake:` serves it meanwhile.

    Subclasses answer in `_route`. `server` serves the fake from another stand-in's
    server instead (one tenant on one host); that server routes, and `with` on either
    starts and stops the same server.
    """

    def __init__(self, tmp_dir: Path, name: str, server: LocalHttpsServer | None = None) -> None:
        self._server = server or LocalHttpsServer(self._route, tmp_dir, name)
        self.ca_bundle = self._server.ca_bundle
        self.base_url = self._server.base_url
        self.requests = self._server.requests

    def __enter__(self) -> Self:
        self._server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.stop()

    def _route(self, request: Request) -> tuple[Any, ...]:
        raise NotImplementedError
