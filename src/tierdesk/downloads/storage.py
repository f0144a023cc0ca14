"""Where release files live: Django's ``STORAGES["downloads"]`` (settings.py): a directory
under the data directory by default, any S3-compatible object store through django-storages
when ``TIERDESK_DOWNLOADS_S3_BUCKET`` is set. Files are content-addressed by SHA-256, so a file
published twice is stored once."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import IO

from django.core.files import File
from django.core.files.storage import Storage, storages

from tierdesk.core.text import safe_filename

CHUNK = 1024 * 1024


def downloads_storage() -> Storage:
    return storages["downloads"]


def is_object_store(storage: Storage) -> bool:
    """An object store answers downloads with a presigned URL instead of the bytes."""
    return hasattr(storage, "bucket_name")


def local_path(storage: Storage, name: str) -> Path | None:
    try:
        return Path(storage.path(name))
    except NotImplementedError:
        return None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def stored_name(sha256: str, filename: str) -> str:
    return f"{sha256[:2]}/{sha256}/{safe_filename(filename)}"


def store(path: Path, name: str) -> str:
    """Put the file in the downloads storage under ``name`` unless it is there already (same
    content address, same bytes); returns the name it is stored under. Streams: an object store
    gets a multipart upload, never the whole file in memory."""
    storage = downloads_storage()
    if storage.exists(name) and storage.size(name) == path.stat().st_size:
        return name
    with path.open("rb") as source:
        return storage.save(name, File(source, name=name))


def store_stream(source: IO[bytes], name: str, size: int) -> str:
    storage = downloads_storage()
    if storage.exists(name) and storage.size(name) == size:
        return name
    return storage.save(name, File(source, name=name))
