"""Request bodies over the limit are refused while they stream, before they are stored.

``RequestSizeLimit`` (first in ``MIDDLEWARE``) answers 413 at once when ``Content-Length`` is
over ``TIERDESK_REQUEST_MAX_BYTES``, before anything reads the body. Django reads no more than
``Content-Length`` bytes, so what it does read stays under the limit. ``AttachmentSizeLimit``,
the first upload handler, counts each file's bytes as they arrive and stops the upload at
``TIERDESK_ATTACHMENT_MAX_BYTES``: the rest is never written to a temporary file. The
middleware parses a multipart body itself, before the CSRF check or a view reads it, so a file
stopped at its limit answers 413 too (in the API's error shape under ``/api/``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest, HttpResponse, JsonResponse

from tierdesk.core.api.errors import error_body
from tierdesk.core.errors import TooLarge

NUL_REFUSED = "NUL characters are not accepted."


def has_nul(value: Any) -> bool:
    """Whether a NUL character hides anywhere in ``value``: text, a query dict, JSON data."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(has_nul(item) for item in value)
    if hasattr(value, "lists"):  # a QueryDict
        return any(has_nul(k) or has_nul(v) for k, v in value.lists())
    return False


def request_too_large(limit: int) -> str:
    return f"The request is larger than this server accepts ({limit:,} bytes)."


def file_too_large(name: str, limit: int) -> str:
    return f"{name} is larger than the limit of {limit:,} bytes."


def too_large_response(
    request: HttpRequest, message: str, field: str | None = None
) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("too_large", message, field), status=413)
    return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")


class RequestSizeLimit:
    """413 for a declared body over the limit (and for an upload stopped at its limit); 400
    for a query string with a NUL character."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.TIERDESK_REQUEST_MAX_BYTES
        declared = request.META.get("CONTENT_LENGTH") or "0"
        if not (declared.isascii() and declared.isdigit()):
            return HttpResponse("Bad Content-Length.", status=400, content_type="text/plain")
        if int(declared) > limit:
            # Nothing has read the body; the server discards it unread.
            return too_large_response(request, request_too_large(limit))
        if has_nul(request.GET):
            # PostgreSQL stores no NUL in text: refused here, not as a database error.
            return HttpResponse(NUL_REFUSED, status=400, content_type="text/plain")
        if request.method == "POST" and request.content_type == "multipart/form-data":
            try:
                request.FILES  # noqa: B018 - parsed here, kept for the view
            except TooLarge as exc:
                return too_large_response(request, exc.message, exc.field)
        return self.get_response(request)


class AttachmentSizeLimit(FileUploadHandler):
    """Counts each uploaded file's bytes and stops it at ``TIERDESK_ATTACHMENT_MAX_BYTES``."""

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        limit = settings.TIERDESK_ATTACHMENT_MAX_BYTES
        if self.received > limit:
            raise TooLarge(file_too_large(self.file_name or "The file", limit), field="file")
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None
