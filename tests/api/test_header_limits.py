"""Request heads are bounded: a real uvicorn, configured as `onegrid serve` runs it, refuses
a huge header or too many headers with 431 before holding them (finding 7 of issue 12)."""
from __future__ import annotations

import json
import select
import socket
from urllib.parse import urlsplit

import pytest

from gis.cli.serve import uvicorn_options
from tests.live_server import serving

MEGABYTE = b"a" * (1 << 20)


@pytest.fixture()
def server(settings):
    from api.app import create_app

    options = {k: v for k, v in uvicorn_options(settings).items() if k not in ("host", "port")}
    with serving(create_app(settings), **options) as url:
        parts = urlsplit(url)
        yield parts.hostname, parts.port


def reply(sock: socket.socket) -> tuple[int, dict]:
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        if body and b"content-length" in head.lower():
            length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
            if len(body) >= length:
                break
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body or b"{}")


def test_a_100_megabyte_header_is_refused_long_before_its_end(server):
    sent = 0
    with socket.create_connection(server) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ")
        for _ in range(100):
            sock.sendall(MEGABYTE)
            sent += len(MEGABYTE)
            if select.select([sock], [], [], 0)[0]:  # the server has answered: stop
                break
        status, body = reply(sock)
    assert status == 431, body
    assert body["error"] == "HeadersTooLarge"
    assert sent < 100 * len(MEGABYTE), "the server read the whole 100 MB header"


def test_too_many_headers_are_refused(server):
    many = b"".join(b"X-H%d: 1\r\n" % i for i in range(500))
    with socket.create_connection(server) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + many + b"\r\n")
        status, body = reply(sock)
    assert status == 431, body
    assert "headers" in body["message"]


def test_ordinary_requests_on_one_connection_still_work(server):
    with socket.create_connection(server) as sock:
        for _ in range(2):  # keep-alive: the limit starts again with every request
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"p" * 8000
                         + b"\r\n\r\n")
            status, body = reply(sock)
            assert status == 200, body
            assert body["status"] == "ok"
