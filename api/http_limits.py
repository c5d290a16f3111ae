"""Limits on a request's head (request line + headers) in the HTTP server, before any ASGI.

uvicorn's httptools protocol (the fast one `onegrid serve` runs) has no limit at all:
httptools appends every piece of a header value to one bytes object until the line ends,
so a 100 MB header is held (and copied) in memory. h11 keeps incomplete events under
h11_max_incomplete_event_size, but answers 400 and does not bound the number of headers.
This protocol counts the head as it arrives and answers 431 (the usual error body) as soon
as it passes `max_head_bytes` (one read of the socket at most later) or `max_headers`.
After the 431 it reads and drops what the client still sends, for a few seconds, rather
than closing at once: a close with unread input resets the connection, and the client may
then lose the 431 before reading it."""
from __future__ import annotations

import json

import httptools
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class HeadTooLarge(Exception):
    """The request head passed a limit; raised from a parser callback."""


class LimitedHttpToolsProtocol(HttpToolsProtocol):
    max_head_bytes = 64 * 1024
    max_headers = 100
    linger_seconds = 5.0  # reading and dropping input after a 431, before the close

    def connection_made(self, transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._in_head = True  # reading a request line or headers
        self._head_bytes = 0
        self._header_count = 0
        self._completed = 0  # messages completed on this connection
        self._refused = False

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return  # dropped: nothing of a refused request is kept
        self._unset_keepalive_if_required()
        completed = self._completed
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
            return
        except httptools.HttpParserError as exc:
            if isinstance(exc.__context__, HeadTooLarge):
                self.send_431(str(exc.__context__))
                return
            self.logger.warning("Invalid HTTP request received.")
            self.send_400_response("Invalid HTTP request received.")
            return
        if not self._in_head:
            return
        # A head that began after a message ended in this chunk counts from the next one:
        # the rest of a big upload's last chunk is not a head.
        self._head_bytes = self._head_bytes + len(data) if completed == self._completed else 0
        if self._head_bytes > self.max_head_bytes:
            self.send_431(f"the request line and headers are over {self.max_head_bytes} bytes")

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head = True
        self._header_count = 0

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_count += 1
        if self._header_count > self.max_headers:
            raise HeadTooLarge(f"more than {self.max_headers} headers")
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._head_bytes = 0
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._completed += 1
        self._in_head = True

    def send_431(self, message: str) -> None:
        self.logger.warning("Request head refused: %s", message)
        body = json.dumps({"error": "HeadersTooLarge", "message": message}).encode()
        self.transport.write(b"".join([
            b"HTTP/1.1 431 Request Header Fields Too Large\r\n",
            b"content-type: application/json\r\n",
            b"content-length: %d\r\n" % len(body), b"connection: close\r\n\r\n", body]))
        self._refused = True
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(self.linger_seconds, self.transport.close)


def limited_protocol(*, max_head_bytes: int, max_headers: int) -> type[HttpToolsProtocol]:
    """The protocol class to give uvicorn (`http=`), with these limits."""
    return type("OnegridHttpProtocol", (LimitedHttpToolsProtocol,),
                {"max_head_bytes": max_head_bytes, "max_headers": max_headers})
