"""Serving a file: whole, by ranges (206, resuming several times, the checksum of the joined
parts), 416, ETag and If-None-Match (304), If-Range, Content-Disposition, HEAD, the log of what
was sent, and a file of more than 4 GiB (sparse). Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from django.test import Client

from tests.downloads.conftest import sha256
from tierdesk.core.clock import now
from tierdesk.downloads.models import Download, ReleaseFile
from tierdesk.downloads.paths import file_url


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_an_entitled_contact_gets_the_whole_file_as_an_attachment(world, catalogue):
    file = catalogue.file(catalogue.old)
    response = _client(world.acme_contact).get(file_url(file))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="ledger-2.4.zip"'
    assert response["Content-Length"] == str(len(catalogue.payload))
    assert response["ETag"] == f'"{file.sha256}"'
    assert response["Accept-Ranges"] == "bytes"
    body = _body(response)
    assert sha256(body) == file.sha256 == sha256(catalogue.payload)
    row = Download.objects.get(file=file)
    assert (row.organization_id, row.user_id, row.bytes_sent) == (
        world.acme.pk, world.acme_contact.pk, len(catalogue.payload),
    )  # fmt: skip
    assert row.client_address == "127.0.0.1"


def test_a_download_resumed_by_ranges_joins_to_the_same_checksum(world, catalogue):
    file = catalogue.file(catalogue.old)
    client = _client(world.acme_contact)
    size = len(catalogue.payload)
    parts = []
    for header in ("bytes=0-99999", "bytes=100000-700000", "bytes=700001-"):
        response = client.get(
            file_url(file), headers={"Range": header, "If-Range": f'"{file.sha256}"'}
        )
        assert response.status_code == 206
        start = int(header.removeprefix("bytes=").split("-")[0])
        part = _body(response)
        assert response["Content-Range"] == f"bytes {start}-{start + len(part) - 1}/{size}"
        assert response["Content-Length"] == str(len(part))
        parts.append(part)
    assert sha256(b"".join(parts)) == file.sha256
    sent = sorted(Download.objects.filter(file=file).values_list("range", "bytes_sent"))
    assert sent == sorted(
        [
            ("bytes=0-99999", 100000),
            ("bytes=100000-700000", 600001),
            ("bytes=700001-", size - 700001),
        ]
    )


def test_a_suffix_range_gives_the_last_bytes(world, catalogue):
    file = catalogue.file(catalogue.old)
    response = _client(world.acme_contact).get(file_url(file), headers={"Range": "bytes=-4"})
    assert response.status_code == 206
    assert _body(response) == b"tail"


def test_a_range_past_the_end_is_416_and_logs_nothing(world, catalogue):
    file = catalogue.file(catalogue.old)
    response = _client(world.acme_contact).get(file_url(file), headers={"Range": "bytes=99999999-"})
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{file.size}"
    assert not Download.objects.exists()


def test_several_ranges_or_another_version_get_the_whole_file(world, catalogue):
    file = catalogue.file(catalogue.old)
    client = _client(world.acme_contact)
    several = client.get(file_url(file), headers={"Range": "bytes=0-1,5-6"})
    assert several.status_code == 200
    changed = client.get(file_url(file), headers={"Range": "bytes=0-1", "If-Range": '"other"'})
    assert changed.status_code == 200
    assert sha256(_body(changed)) == file.sha256


def test_if_none_match_with_the_etag_is_304(world, catalogue):
    file = catalogue.file(catalogue.old)
    response = _client(world.acme_contact).get(
        file_url(file), headers={"If-None-Match": f'W/"{file.sha256}"'}
    )
    assert response.status_code == 304
    assert not Download.objects.exists()


def test_head_tells_the_size_and_logs_nothing(world, catalogue):
    file = catalogue.file(catalogue.old)
    response = _client(world.acme_contact).head(file_url(file))
    assert response.status_code == 200
    assert response["Content-Length"] == str(file.size)
    assert not Download.objects.exists()


def test_a_wrong_name_in_the_url_is_404(world, catalogue):
    file = catalogue.file(catalogue.old)
    response = _client(world.acme_contact).get(f"/downloads/files/{file.pk}/other.zip")
    assert response.status_code == 404


def test_a_front_server_can_send_the_file(world, catalogue, settings):
    settings.TIERDESK_DOWNLOADS_ACCEL = "nginx:/protected-downloads/"
    file = catalogue.file(catalogue.old)
    response = _client(world.acme_contact).get(file_url(file))
    assert response["X-Accel-Redirect"] == f"/protected-downloads/{file.stored_name}"
    assert response["Content-Disposition"].startswith("attachment")
    assert response.content == b""
    settings.TIERDESK_DOWNLOADS_ACCEL = "sendfile"
    response = _client(world.acme_contact).get(file_url(file))
    assert Path(response["X-Sendfile"]).read_bytes() == catalogue.payload


def test_a_file_over_four_gib_is_served_by_ranges(world, catalogue, downloads_dir):
    """A sparse file of 5 GiB: sizes, ranges and offsets past 32 bits."""
    size = 5 * 1024**3 + 7
    name = "big/ledger-2.4-dvd.iso"
    path = downloads_dir / name
    path.parent.mkdir(parents=True)
    with path.open("wb") as sparse:
        sparse.truncate(size)
        sparse.seek(size - 7)
        sparse.write(b"THE-END")
    big = ReleaseFile.objects.create(
        release=catalogue.old, name="ledger-2.4-dvd.iso", size=size, sha256="ab" * 32,
        stored_name=name, created_at=now() - timedelta(days=1),
    )  # fmt: skip
    client = _client(world.acme_contact)
    head = client.head(file_url(big))
    assert head["Content-Length"] == str(size)
    tail = client.get(file_url(big), headers={"Range": f"bytes={size - 7}-"})
    assert tail.status_code == 206
    assert tail["Content-Range"] == f"bytes {size - 7}-{size - 1}/{size}"
    assert _body(tail) == b"THE-END"
    middle = client.get(file_url(big), headers={"Range": "bytes=4294967290-4294967301"})
    assert _body(middle) == b"\0" * 12
    assert Download.objects.filter(file=big).order_by("id").last().bytes_sent == 12
    assert os.stat(path).st_blocks * 512 < 1024**2  # still sparse: nothing was written
