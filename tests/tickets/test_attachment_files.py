"""Attachment files are stored under their SHA-256: the same bytes once, however often sent."""

from __future__ import annotations

import hashlib
import io

from tests.tickets.test_lifecycle import open_acme_ticket
from tierdesk.tickets import services
from tierdesk.tickets.models import Attachment

LOGO = b"\x89PNG\r\n\x1a\n the company logo of every signature"


def _add(world, ticket, data: bytes, filename: str) -> Attachment:
    return services.attachment_add(
        actor=world.l1, ticket=ticket, stream=io.BytesIO(data), filename=filename
    )


def _files(root) -> list:
    return sorted(path for path in root.rglob("*") if path.is_file())


def test_the_same_bytes_are_stored_once_and_read_back_from_every_attachment(
    world, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    one, two = open_acme_ticket(world), open_acme_ticket(world)

    first = _add(world, one, LOGO, "logo.png")
    second = _add(world, two, LOGO, "image001.png")
    other = _add(world, two, b"something else", "notes.txt")

    digest = hashlib.sha256(LOGO).hexdigest()
    assert first.file.name == second.file.name == f"attachments/{digest[:2]}/{digest}"
    assert len(_files(tmp_path)) == 2
    for attachment, data in ((first, LOGO), (second, LOGO), (other, b"something else")):
        with Attachment.objects.get(pk=attachment.pk).file.open("rb") as stored:
            assert stored.read() == data
    assert [a.filename for a in Attachment.objects.filter(ticket=two).order_by("pk")] == [
        "image001.png",
        "notes.txt",
    ]


def test_a_file_cut_short_under_the_hash_is_not_reused(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    digest = hashlib.sha256(LOGO).hexdigest()
    cut = tmp_path / "attachments" / digest[:2] / digest
    cut.parent.mkdir(parents=True)
    cut.write_bytes(LOGO[:5])  # as a crash in the middle of writing it leaves it

    attachment = _add(world, open_acme_ticket(world), LOGO, "logo.png")

    assert attachment.file.name != f"attachments/{digest[:2]}/{digest}"
    with Attachment.objects.get(pk=attachment.pk).file.open("rb") as stored:
        assert stored.read() == LOGO
