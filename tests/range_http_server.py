"""A small threaded HTTP server on 127.0.0.1 for download tests.

Serves in-memory files with ``Range`` support (206, 416), and can be told to misbehave for the
next requests to a path: answer with an error status, drop the connection after some bytes,
stall mid-body, or ignore ``Range`` (answer 200). Every request is recorded.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType


@dataclass
class Behaviour:
    """How the server treats one path. Lists are consumed one entry per request."""

    statuses: list[int] = field(default_factory=list)  # error statuses to answer first
    drop_after: list[int] = field(default_factory=list)  # body bytes sent before hanging up
    stall_after: list[int] = field(default_factory=list)  # body bytes sent before stalling
    ignore_range: bool = False


@dataclass
class Request:
    path: str
    range: str | None
    status: int = 0


class RangeServer:
    """Context manager: ``with RangeServer() as server: server.url("/a.zip")``."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.behaviour: dict[str, Behaviour] = {}
        self.requests: list[Request] = []
        self.release = threading.Event()  # ends stalls when the server stops
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,))

    def url(self, path: str) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}{path}"

    def serve(self, path: str, data: bytes, **behaviour: object) -> str:
        self.files[path] = data
        self.behaviour[path] = Behaviour(**behaviour)  # type: ignore[arg-type]
        return self.url(path)

    def __enter__(self) -> RangeServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def _finish(self, record: Request, status: int) -> None:
                record.status = status
                self.send_response(status)

            def do_GET(self) -> None:
                record = Request(self.path, self.headers.get("Range"))
                server.requests.append(record)
                data = server.files.get(self.path)
                behaviour = server.behaviour.get(self.path, Behaviour())
                if data is None or behaviour.statuses:
                    status = behaviour.statuses.pop(0) if data is not None else 404
                    record.status = status
                    self.send_error(status)
                    return
                start = 0
                match = re.fullmatch(r"bytes=(\d+)-", record.range or "")
                if match and not behaviour.ignore_range:
                    start = int(match.group(1))
                    if start >= len(data):
                        self._finish(record, 416)
                        self.send_header("Content-Range", f"bytes */{len(data)}")
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    self._finish(record, 206)
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                else:
                    self._finish(record, 200)
                body = data[start:]
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if behaviour.drop_after:
                    self.wfile.write(body[: behaviour.drop_after.pop(0)])
                    self.close_connection = True
                    return
                if behaviour.stall_after:
                    self.wfile.write(body[: behaviour.stall_after.pop(0)])
                    self.wfile.flush()
                    server.release.wait(timeout=10)
                    self.close_connection = True
                    return
                self.wfile.write(body)

        return Handler
