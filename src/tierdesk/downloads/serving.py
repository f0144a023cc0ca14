"""Sending a release file: from disk in blocks (or by the kernel's sendfile under gunicorn), by
``X-Accel-Redirect``/``X-Sendfile`` to a front server, or by a redirect to a short-lived
presigned URL of the object store. Never the whole file in memory.

Byte ranges (206, resume), ``ETag`` (the SHA-256) with ``If-None-Match`` (304) and ``If-Range``,
and ``Content-Disposition: attachment`` on every path. The entitlement is checked before this
module is reached (``views``); what was sent is recorded by the caller's ``on_close``.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseNotModified,
    HttpResponseRedirect,
)
from django.http.response import HttpResponseBase
from django.utils.http import content_disposition_header

from tierdesk.downloads.models import ReleaseFile
from tierdesk.downloads.ranges import ByteRange, Unsatisfiable, etag_matches, parse_range
from tierdesk.downloads.storage import downloads_storage, is_object_store, local_path

BLOCK = 1024 * 1024
# Called with the number of bytes sent once the response is closed.
OnClose = Callable[[int], None]
# Called when bytes will be sent (not for 304 or 416): records the download, returns its OnClose.
OnStart = Callable[[], OnClose]


class RangeReader:
    """A raw (unbuffered) file limited to ``[start, start + length)``.

    Iterated by Django when there is no ``wsgi.file_wrapper``; under gunicorn the kernel
    sends it (``sendfile``) from the position we seeked to, ``Content-Length`` bytes, and
    Python's ``socket.sendfile`` seeks to where it stopped: we remember that to count the bytes
    actually sent (a client that hangs up early is logged with what it got).
    """

    def __init__(self, raw: Any, start: int, length: int, on_close: OnClose):
        raw.seek(start)
        self._raw = raw
        self._start = start
        self._remaining = length
        self._sent = 0
        self._on_close = on_close
        self._closed = False
        self.mode = "rb"

    def fileno(self) -> int:
        return self._raw.fileno()

    def read(self, size: int = -1) -> bytes:
        if self._remaining <= 0:
            return b""
        size = self._remaining if size < 0 else min(size, self._remaining)
        data = self._raw.read(size) or b""
        self._remaining -= len(data)
        self._sent += len(data)
        return data

    def seek(self, position: int, whence: int = io.SEEK_SET) -> int:
        """Only ``socket.sendfile`` seeks (to where it stopped sending)."""
        if whence == io.SEEK_SET:
            self._sent = max(self._sent, position - self._start)
        return self._raw.seek(position, whence)

    def tell(self) -> int:
        return self._raw.tell()

    def seekable(self) -> bool:
        return False  # keeps FileResponse from measuring the file: we set the length

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._raw.close()
        self._on_close(self._sent)


class AttachmentResponse(FileResponse):
    """A ``FileResponse`` whose headers we set ourselves (the length is the range's)."""

    block_size = BLOCK

    def set_headers(self, filelike: Any) -> None:
        pass


def etag_of(file: ReleaseFile) -> str:
    return f'"{file.sha256}"'


def _common_headers(response: HttpResponseBase, file: ReleaseFile) -> HttpResponseBase:
    response["ETag"] = etag_of(file)
    response["Accept-Ranges"] = "bytes"
    response["Content-Disposition"] = content_disposition_header(True, file.name)
    response["Cache-Control"] = "private, no-transform"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def requested_range(request: HttpRequest, file: ReleaseFile) -> ByteRange | None:
    """The range to send (``None``: whole file). ``Unsatisfiable`` for a 416."""
    header = request.headers.get("Range", "")
    if not header:
        return None
    if_range = request.headers.get("If-Range", "")
    if if_range and if_range.strip() != etag_of(file):
        return None  # the client holds another version: start over
    return parse_range(header, file.size)


def respond(request: HttpRequest, file: ReleaseFile, *, on_start: OnStart) -> HttpResponseBase:
    """The response for an entitled request. ``on_start()`` records the download when bytes
    will go out and returns what to call with the bytes sent."""
    if etag_matches(request.headers.get("If-None-Match", ""), etag_of(file)):
        return _common_headers(HttpResponseNotModified(), file)
    try:
        byte_range = requested_range(request, file)
    except Unsatisfiable:
        refused = HttpResponse(status=416)
        refused["Content-Range"] = f"bytes */{file.size}"
        return _common_headers(refused, file)
    storage = downloads_storage()
    on_close = on_start()
    if is_object_store(storage):
        return _redirect(file, storage, on_close)
    accel = getattr(settings, "TIERDESK_DOWNLOADS_ACCEL", "")
    if accel:
        return _accel(file, accel, byte_range, on_close)
    return _stream(request, file, storage, byte_range, on_close)


def _length(file: ReleaseFile, byte_range: ByteRange | None) -> int:
    return byte_range.length if byte_range else file.size


def _stream(
    request: HttpRequest, file: ReleaseFile, storage: Any, byte_range: ByteRange | None,
    on_close: OnClose,
) -> HttpResponseBase:  # fmt: skip
    path = local_path(storage, file.stored_name)
    start = byte_range.start if byte_range else 0
    length = _length(file, byte_range)
    if path is not None:
        raw: Any = open(path, "rb", buffering=0)  # noqa: SIM115 - the response closes it
    else:
        raw = storage.open(file.stored_name, "rb")
    reader = RangeReader(raw, start, length, on_close)
    response = AttachmentResponse(reader, content_type="application/octet-stream")
    response["Content-Length"] = str(length)
    if byte_range is not None:
        response.status_code = 206
        response["Content-Range"] = byte_range.content_range(file.size)
    if request.method == "HEAD":
        reader.close()
    return _common_headers(response, file)


def _accel(
    file: ReleaseFile, accel: str, byte_range: ByteRange | None, on_close: OnClose
) -> HttpResponseBase:
    """The front server sends the file (and handles ``Range`` itself): nginx reads an internal
    location from ``X-Accel-Redirect``, Apache's mod_xsendfile an absolute path."""
    response = HttpResponse(content_type="application/octet-stream")
    if accel == "sendfile":
        path = local_path(downloads_storage(), file.stored_name)
        response["X-Sendfile"] = str(path)
    else:
        prefix = accel.removeprefix("nginx:").rstrip("/")
        response["X-Accel-Redirect"] = f"{prefix}/{quote(file.stored_name)}"
    on_close(_length(file, byte_range))
    return _common_headers(response, file)


def _redirect(file: ReleaseFile, storage: Any, on_close: OnClose) -> HttpResponse:
    """A presigned URL valid for ``TIERDESK_DOWNLOADS_PRESIGNED_SECONDS``; the object store
    answers ranges and conditional requests itself."""
    seconds = getattr(settings, "TIERDESK_DOWNLOADS_PRESIGNED_SECONDS", 300)
    disposition = content_disposition_header(True, file.name)
    url = storage.url(
        file.stored_name,
        parameters={"ResponseContentDisposition": disposition},
        expire=seconds,
    )
    on_close(file.size)
    response = HttpResponseRedirect(url)
    response["Cache-Control"] = "no-store"
    return response
