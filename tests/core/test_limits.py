"""Numbers are read by one parser, and bodies over the limit are refused while they stream."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import override_settings
from django.test.client import ClientHandler

from tests.conftest import token_for
from tierdesk.core.text import MAX_INT, IdConverter, parse_int
from tierdesk.tickets import services

# ---- the one parser -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0", 0),
        ("42", 42),
        (str(MAX_INT), MAX_INT),
        (7, 7),
        (str(MAX_INT + 1), None),  # past a 64-bit column
        ("99999999999999999999", None),
        ("²", None),  # isdigit() says yes; int() says no
        ("¹", None),
        ("١٢", None),  # other scripts' digits: int() reads them, we do not
        ("-1", None),
        ("+1", None),
        (" 1", None),
        ("1_000", None),
        ("1.0", None),
        ("", None),
        (True, None),  # a JSON true is no number
        (1.0, None),
        (None, None),
    ],
)
def test_parse_int_reads_ascii_digits_within_64_bits_only(text: Any, expected: int | None) -> None:
    assert parse_int(text) == expected


def test_parse_int_keeps_to_the_callers_range() -> None:
    assert parse_int("5", low=1, high=4) is None
    assert parse_int("0", low=1) is None
    assert parse_int("4", low=1, high=4) == 4


def test_the_id_url_converter_refuses_what_the_parser_refuses() -> None:
    converter = IdConverter()
    assert converter.to_python("12") == 12
    for text in ("0", "9223372036854775808"):
        with pytest.raises(ValueError):
            converter.to_python(text)


# ---- bodies refused while they stream ------------------------------------------------------


class CountingInput(io.BytesIO):
    """A request body that remembers how much of it the server read."""

    read_bytes = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.read_bytes += len(chunk)
        return chunk

    def readline(self, size: int | None = -1) -> bytes:
        line = super().readline(size)
        self.read_bytes += len(line)
        return line


def send(path: str, body: bytes, content_type: str, length: int, **headers: str) -> Any:
    """A request as a server passes it on (Django's test handler, without its client), with a
    body that counts how much of it was read."""
    stream = CountingInput(body)
    environ = {
        "REQUEST_METHOD": "POST", "PATH_INFO": path, "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80", "REMOTE_ADDR": "127.0.0.1", "wsgi.input": stream,
        "wsgi.url_scheme": "http", "CONTENT_TYPE": content_type, "CONTENT_LENGTH": str(length),
        **{f"HTTP_{name.upper()}": value for name, value in headers.items()},
    }  # fmt: skip
    response = ClientHandler(enforce_csrf_checks=False)(environ)
    return response.status_code, response.content, stream.read_bytes


@override_settings(TIERDESK_REQUEST_MAX_BYTES=1024 * 1024)
def test_a_body_declared_over_the_limit_is_refused_before_it_is_read(world: Any) -> None:
    ticket = services.ticket_open(
        actor=world.acme_contact, organization=world.acme, subject="Logs", body="See the log."
    )
    declared = 400 * 1024 * 1024
    status, content, read = send(
        f"/api/v1/tickets/{ticket.reference}/attachments", b"x" * 4096,
        "multipart/form-data; boundary=b", declared,
        authorization=f"Bearer {token_for(world.acme_contact)}",
    )  # fmt: skip

    assert status == 413
    assert b"too_large" in content
    assert read == 0


@override_settings(TIERDESK_ATTACHMENT_MAX_BYTES=100 * 1024, TIERDESK_REQUEST_MAX_BYTES=10**9)
def test_an_upload_over_the_file_limit_stops_at_the_limit(world: Any, settings: Any) -> None:
    settings.MEDIA_ROOT = str(settings.DATA_DIR / "test-media-limits")
    ticket = services.ticket_open(
        actor=world.acme_contact, organization=world.acme, subject="Logs", body="See the log."
    )
    size = 8 * 1024 * 1024
    body = (
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="huge.log"\r\n'
        b"Content-Type: text/plain\r\n\r\n" + b"x" * size + b"\r\n--b--\r\n"
    )
    status, content, read = send(
        f"/api/v1/tickets/{ticket.reference}/attachments", body,
        "multipart/form-data; boundary=b", len(body),
        authorization=f"Bearer {token_for(world.acme_contact)}",
    )  # fmt: skip

    assert status == 413, content
    assert b"huge.log" in content
    # Read up to the limit and a chunk or two past it, not the 8 MB that were sent.
    assert read < 1024 * 1024
    assert not ticket.attachments.exists()


@override_settings(TIERDESK_REQUEST_MAX_BYTES=1000)
def test_a_page_form_over_the_limit_is_a_plain_413(client: Any) -> None:
    status, _content, read = send(
        "/accounts/login/", b"login=a&password=b", "application/x-www-form-urlencoded", 5000
    )
    assert status == 413
    assert read == 0
