"""Version numbers and version lines: the one home of their rules (the download centre's
versions and entitlements, subscriptions' covered versions, the articles' versions). Pure Python
(no Django), property-testable.

Versions are ordered by their meaning, not their text: ``2.10`` after ``2.9``, ``3.0rc1``
before ``3.0``, ``3.0`` before ``3.0.1``.

``sort_key`` turns a version into a string whose plain order is the version order; the database
sorts by it. The key uses only digits and lower-case letters, so every collation (SQLite's
BINARY, PostgreSQL's locale collations) orders it the same way: each part is a number
(``2`` + twelve digits) or a word (``0`` + letters + ``0``), and the end of the version is
``1``: a word (a pre-release) sorts before the end, the end before a further number.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MAX_VERSION = 50
_PART = re.compile(r"\d+|[a-z]+")
_VALID = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.+_-]*$")
_DIGITS = 12


def is_valid(version: str) -> bool:
    return (
        len(version) <= MAX_VERSION
        and bool(_VALID.match(version))
        and any(c.isdigit() for c in version)
    )


def parts(version: str) -> list[int | str]:
    """``"2.10rc1"`` -> ``[2, 10, "rc", 1]`` (build metadata after ``+`` is ignored)."""
    core = version.split("+", 1)[0].lower()
    return [int(p) if p.isdigit() else p for p in _PART.findall(core)]


def sort_key(version: str) -> str:
    key = []
    for part in parts(version):
        if isinstance(part, int):
            key.append("2" + str(min(part, 10**_DIGITS - 1)).zfill(_DIGITS))
        else:
            key.append("0" + part[:20] + "0")
    return "".join(key) + "1"


def in_line(version: str, line: str) -> bool:
    """Whether ``version`` belongs to the version line ``line``: ``2`` holds 2, 2.0 and 2.4.1;
    ``3.1`` holds 3.1 and 3.1.7 but not 3.10."""
    return version == line or version.startswith(line + ".")


def is_line(line: str) -> bool:
    """A version line someone may write (``2``, ``3.1``, ``2.4.1``): a valid version whose dot
    separated parts are none empty, not ending in ``x`` (``3.x`` is written ``3``)."""
    pieces = line.split(".")
    return is_valid(line) and all(pieces) and pieces[-1].lower() != "x"


def version_lines(text: str) -> list[str]:
    """The version lines a text lists, separated by commas (``"2, 3.1"``: 2.x and 3.1.x);
    none means every version."""
    return [line.strip() for line in text.split(",") if line.strip()]


def checked_lines(lines: Iterable[str]) -> list[str]:
    """The lines, stripped, in order, each once (``3.1.x`` and ``3.1.*`` as ``3.1``);
    ``ValueError`` naming the first that is not a version line (``is_line``)."""
    found: list[str] = []
    for written in (line.strip() for line in lines):
        line = _without_wildcard(written)
        if not is_line(line):
            raise ValueError(
                f"{written!r} is not a version: write version lines such as 2 or 3.1 (2.x, 3.1.x)."
            )
        if line not in found:
            found.append(line)
    return found


def _without_wildcard(line: str) -> str:
    """``3.1.x`` or ``3.1.*`` as the line ``3.1``: how people write a line in front matter or a
    form, and what ``describe_lines`` shows them."""
    for wildcard in (".x", ".X", ".*"):
        if line.endswith(wildcard) and len(line) > len(wildcard):
            return line[: -len(wildcard)]
    return line


def lines_holding(version: str) -> list[str]:
    """Every line ``version`` is in (``in_line``): ``2.4.1`` -> ``2``, ``2.4``, ``2.4.1``. A
    list of lines holds the version when it names one of them (a database can ask that)."""
    pieces = version.split(".")
    return [".".join(pieces[: n + 1]) for n in range(len(pieces))]


def describe_lines(lines: Iterable[str]) -> str:
    """``["2", "3.1"]`` -> ``"2.x, 3.1.x"`` (what people read); empty for none."""
    return ", ".join(f"{line}.x" for line in lines)
