"""Version numbers ordered by their meaning, not their text: ``2.10`` after ``2.9``, ``3.0rc1``
before ``3.0``, ``3.0`` before ``3.0.1``. Pure Python (no Django), property-testable.

``sort_key`` turns a version into a string whose plain order is the version order; the database
sorts by it. The key uses only digits and lower-case letters, so every collation (SQLite's
BINARY, PostgreSQL's locale collations) orders it the same way: each part is a number
(``2`` + twelve digits) or a word (``0`` + letters + ``0``), and the end of the version is
``1``: a word (a pre-release) sorts before the end, the end before a further number.
"""

from __future__ import annotations

import re

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
