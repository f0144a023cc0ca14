"""The one storage rule for files people upload (a ticket's attachments, an article's files and
images): the size limit, the safe name, the content type, the path under the content hash, and
how a stored file is served.

- A file is read once in chunks, measured and hashed (SHA-256); past
  ``TIERDESK_ATTACHMENT_MAX_BYTES`` it is refused before anything is written.
- It is stored under its hash (``attachments/ab/abcd…``), once per content: a second file of the
  same bytes (and size) points at the stored one. A file of another size under that name was
  cut short (a crash mid-write) and is not reused: the storage picks a fresh name. Files are
  never deleted with their rows, so sharing one is safe.
- Nothing a sender chose reaches the file system; the name they gave is kept for display only
  (``safe_filename``).
- Served, a file is a download a browser never renders (``Content-Disposition: attachment``,
  ``nosniff``, a sandboxing CSP), except a raster image whose first bytes say so (``image_type``,
  never the sender's claim): that one may show inline, with the type its bytes have.
"""

from __future__ import annotations

import hashlib
import mimetypes
import unicodedata
from dataclasses import dataclass
from typing import IO, Any
from urllib.parse import quote

from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import Storage, default_storage
from django.http import FileResponse

from tierdesk.core.errors import InvalidInput
from tierdesk.core.text import safe_filename

CHUNK = 64 * 1024
MAX_PATH = 200  # the FileField's max_length in every model that stores these files
FALLBACK_TYPE = "application/octet-stream"
# Raster images a browser may show inline, by their first bytes. SVG is not one: it can run
# scripts.
_MAGIC: list[tuple[bytes, str]] = [
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
]


@dataclass(frozen=True)
class StoredFile:
    """A file hashed, measured and stored under its hash, ready to become an attachment.
    ``image_type``: the raster image type its bytes show, else empty."""

    name: str
    content_type: str
    size: int
    sha256: str
    path: str
    image_type: str = ""


def stored_path(sha256: str) -> str:
    """Where the file of this content lives in the storage (the models' ``upload_to``)."""
    return f"attachments/{sha256[:2]}/{sha256}"


def store(
    *, stream: IO[bytes], filename: str, content_type: str = "", storage: Storage | None = None
) -> StoredFile:
    """Read, measure, hash and write the file (or point at the one already stored). The slow
    part of an attachment: call it before any transaction opens (on SQLite a transaction holds
    the one write lock while it lasts). ``InvalidInput`` past the size limit."""
    name = safe_filename(filename)
    digest, size, head = _hash_and_measure(stream)
    limit = settings.TIERDESK_ATTACHMENT_MAX_BYTES
    if size > limit:
        raise InvalidInput(f"{name} is {size:,} bytes; the limit is {limit:,} bytes.", field="file")
    content_type = content_type or mimetypes.guess_type(name)[0] or FALLBACK_TYPE
    path = _write(storage or default_storage, stored_path(digest), size, stream)
    return StoredFile(name, content_type[:100], size, digest, path, image_type(head))


def image_type(head: bytes) -> str:
    """``image/png``, ``image/jpeg``, ``image/gif`` or ``image/webp`` if the file's first bytes
    are such an image; empty otherwise (whatever the sender claimed)."""
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return next((kind for magic, kind in _MAGIC if head.startswith(magic)), "")


def _write(storage: Storage, path: str, size: int, stream: IO[bytes]) -> str:
    if storage.exists(path) and storage.size(path) == size:
        return path
    stream.seek(0)
    return str(storage.save(path, File(stream), max_length=MAX_PATH))


def _hash_and_measure(stream: IO[bytes]) -> tuple[str, int, bytes]:
    stream.seek(0)
    digest = hashlib.sha256()
    size = 0
    head = b""
    while chunk := stream.read(CHUNK):
        head = head or chunk[:16]
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size, head


# ---- serving ----------------------------------------------------------------------------------


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """``attachment`` (or ``inline``) with an ASCII fallback name and the exact name per RFC
    5987/6266."""
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    ascii_name = "".join(c if c.isprintable() and c not in '"\\' else "_" for c in ascii_name)
    kind = "inline" if inline else "attachment"
    return (
        f'{kind}; filename="{ascii_name or "attachment"}"; '
        f"filename*=UTF-8''{quote(filename, safe='')}"
    )


def file_response(
    file: Any, *, filename: str, content_type: str, size: int, inline_image: str = ""
) -> FileResponse:
    """A stored file as a response whatever was uploaded (HTML, SVG) cannot run as this site:
    a download, never sniffed, sandboxed. ``inline_image``: the type the file's bytes showed
    (``image_type``); such a file is shown inline with that type, not the sender's."""
    content_type = inline_image or content_type or FALLBACK_TYPE
    response = FileResponse(file.open("rb"), content_type=content_type)
    response["Content-Disposition"] = content_disposition(filename, inline=bool(inline_image))
    response["Content-Length"] = str(size)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-cache"
    return response


def upload_path(instance: Any, filename: str) -> str:
    """``upload_to`` of a model whose rows carry the file's ``sha256``: the name a sender chose
    never reaches the file system."""
    return stored_path(instance.sha256)
