"""How ``refmetiers serve`` runs the app: uvicorn with the settings that keep one client from hurting others.

- HTTP parser: h11, not httptools. httptools drops the body of any request that carries ``Upgrade: h2c``
  (the JDK HTTP client, hence Jena, sends it on every POST: an open uvicorn bug), and it has no limit on
  header size (a 100 MB header stalled the event loop for 23 s). h11 keeps the body, and refuses a request
  head larger than ``MAX_REQUEST_HEAD`` with a 400. The event loop stays uvloop when installed.
- A client that has not sent its whole request ``READ_TIMEOUT_S`` after the connection opened (or after its
  previous answer) is disconnected (slow-header and slow-body clients); idle keep-alive connections close
  after ``KEEP_ALIVE_S``; past ``MAX_CONNECTIONS`` open connections, new requests get 503.
"""

from __future__ import annotations

import asyncio
import logging

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger(__name__)

MAX_REQUEST_HEAD = 128 * 1024  # a GET with a 20,000-character query, percent-encoded, fits
READ_TIMEOUT_S = 20.0
KEEP_ALIVE_S = 5
MAX_CONNECTIONS = 512


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, with a deadline for receiving each whole request."""

    read_timeout_s = READ_TIMEOUT_S

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        self._arm_read_deadline()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._arm_read_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_read_deadline()
        super().connection_lost(exc)

    def _arm_read_deadline(self) -> None:
        self._disarm_read_deadline()
        self._read_deadline: asyncio.TimerHandle | None = self.loop.call_later(self.read_timeout_s,
                                                                               self._read_deadline_passed)

    def _disarm_read_deadline(self) -> None:
        handle = getattr(self, "_read_deadline", None)
        if handle is not None:
            handle.cancel()
            self._read_deadline = None

    def _read_deadline_passed(self) -> None:
        # Still receiving a request (head or body): a slow or stalled client. A request fully received
        # (the app is answering) is left alone; an idle connection is the keep-alive timer's.
        if self.conn.their_state in (h11.IDLE, h11.SEND_BODY) and not self.transport.is_closing():
            self.transport.close()


def run(app, host: str, port: int, *, log_level: str = "info", access_log: bool = True,
        read_timeout_s: float = READ_TIMEOUT_S) -> None:
    """Serve ``app`` until SIGINT or SIGTERM."""
    protocol = type("Protocol", (GuardedH11Protocol,), {"read_timeout_s": read_timeout_s})
    uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=access_log, http=protocol,
                h11_max_incomplete_event_size=MAX_REQUEST_HEAD, timeout_keep_alive=KEEP_ALIVE_S,
                limit_concurrency=MAX_CONNECTIONS)
