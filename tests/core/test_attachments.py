"""The one storage rule for uploaded files (tickets' attachments, articles' files): limited in
size, stored under the content hash once, named safely, typed by their bytes when shown inline,
and served so that nothing uploaded runs as this site."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.test import Client

from tests.conftest import ApiClient
from tests.web.conftest import build_desk
from tierdesk.core.attachments import (
    content_disposition,
    file_response,
    image_type,
    store,
    stored_path,
)
from tierdesk.core.errors import InvalidInput

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 40
WEBP = b"RIFF\x00\x00\x00\x00WEBPVP8 " + b"\x00" * 40


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_a_file_is_stored_under_its_hash_once_with_a_safe_name(media):
    first = store(stream=io.BytesIO(PNG), filename="../../etc/logo.png")
    second = store(stream=io.BytesIO(PNG), filename="C:\\Users\\me\\copy.png")

    digest = hashlib.sha256(PNG).hexdigest()
    assert first.path == second.path == stored_path(digest) == f"attachments/{digest[:2]}/{digest}"
    assert (first.name, second.name) == ("logo.png", "copy.png")
    assert (media / first.path).read_bytes() == PNG
    assert sum(1 for p in media.rglob("*") if p.is_file()) == 1
    assert (first.size, first.sha256, first.content_type) == (len(PNG), digest, "image/png")


def test_a_file_over_the_limit_is_refused_before_anything_is_written(media, settings):
    settings.TIERDESK_ATTACHMENT_MAX_BYTES = 10
    with pytest.raises(InvalidInput, match="the limit is 10 bytes"):
        store(stream=io.BytesIO(b"x" * 11), filename="big.log")
    assert not any(media.rglob("*"))


def test_the_image_type_comes_from_the_bytes_never_from_the_name_or_the_claim(media):
    assert image_type(PNG) == "image/png"
    assert image_type(JPEG) == "image/jpeg"
    assert image_type(b"GIF89a....") == "image/gif"
    assert image_type(WEBP) == "image/webp"
    disguised = store(
        stream=io.BytesIO(b"<svg onload=alert(1)>"), filename="cat.png", content_type="image/png"
    )
    assert disguised.image_type == ""
    assert disguised.content_type == "image/png"  # the claim is kept, never trusted
    assert store(stream=io.BytesIO(PNG), filename="notes.txt").image_type == "image/png"
    assert store(stream=io.BytesIO(b"plain"), filename="x").content_type == (
        "application/octet-stream"
    )


def test_a_served_file_is_a_sandboxed_download_unless_its_bytes_are_an_image(media):
    stored = store(stream=io.BytesIO(b"<html><script>x</script>"), filename="page.html")

    class Stored:
        def open(self, mode):
            return (media / stored.path).open(mode)

    download = file_response(
        Stored(), filename="page.html", content_type="text/html", size=stored.size
    )
    assert download["Content-Disposition"].startswith('attachment; filename="page.html"')
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert download["Content-Length"] == str(stored.size)
    download.close()
    image = file_response(
        Stored(), filename="p.png", content_type="text/html", size=1, inline_image="image/png"
    )
    assert image["Content-Type"] == "image/png"
    assert image["Content-Disposition"].startswith("inline;")
    assert image["X-Content-Type-Options"] == "nosniff"
    image.close()


def test_a_download_name_keeps_its_exact_form_and_an_ascii_fallback():
    header = content_disposition('résumé "final".pdf')
    assert header.startswith('attachment; filename="resume _final_.pdf"')
    assert "filename*=UTF-8''r%C3%A9sum%C3%A9%20%22final%22.pdf" in header


def test_every_face_serves_a_ticket_attachment_with_the_same_safe_headers(world, media):
    desk = build_desk(world)
    ref, pk = desk.acme.reference, desk.acme_file.pk
    agent, contact = Client(), Client()
    agent.force_login(world.l1)
    contact.force_login(world.acme_contact)
    answers = [
        agent.get(f"/desk/tickets/{ref}/attachments/{pk}/"),
        contact.get(f"/tickets/{ref}/attachments/{pk}/"),
        ApiClient(world.l1).get(f"/api/v1/tickets/{ref}/attachments/{pk}/download"),
    ]
    headers = ["Content-Disposition", "X-Content-Type-Options", "Content-Security-Policy"]
    seen = [tuple(answer[h] for h in headers) for answer in answers]
    for answer in answers:
        answer.close()
    assert seen[0] == seen[1] == seen[2]
    assert seen[0][0].startswith("attachment;") and seen[0][1] == "nosniff"
