"""HTTP byte ranges (RFC 9110 §14): pure parsing, no Django.

One range is served as 206; several ranges (rare: download managers resume with one) are
answered with the whole file (200), which the RFC allows. A range that cannot be satisfied is
416. ``If-Range`` with another validator means "the file changed": send it whole.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ByteRange:
    start: int
    end: int  # inclusive

    @property
    def length(self) -> int:
        return self.end - self.start + 1

    def content_range(self, size: int) -> str:
        return f"bytes {self.start}-{self.end}/{size}"


class Unsatisfiable(ValueError):
    """The range asks for bytes the file does not have: 416."""


def parse_range(header: str, size: int) -> ByteRange | None:
    """The range to send, ``None`` for the whole file. Raises ``Unsatisfiable``.

    A header we do not understand (another unit, bad syntax, several ranges) is ignored, as the
    RFC says a server may: the client gets the whole file.
    """
    unit, _, spec = header.strip().partition("=")
    if unit.strip().lower() != "bytes" or not spec or "," in spec:
        return None
    first, dash, last = spec.strip().partition("-")
    if not dash or not (first.isdigit() or first == "") or not (last.isdigit() or last == ""):
        return None
    if first == "":
        if last == "":
            return None
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise Unsatisfiable(header)
        return ByteRange(max(0, size - suffix), size - 1)
    start = int(first)
    if start >= size:
        raise Unsatisfiable(header)
    end = min(int(last), size - 1) if last else size - 1
    if end < start:
        return None
    return ByteRange(start, end)


def etag_matches(header: str, etag: str) -> bool:
    """``If-None-Match``: ``*`` or a list of (weak or strong) tags, compared weakly."""
    if header.strip() == "*":
        return True
    bare = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == bare for tag in header.split(","))
