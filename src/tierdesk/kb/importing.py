"""Reading an article from a Markdown or plain-text file (pure: no database).

``.md``, ``.txt`` and either gzipped (``.gz``). Optional front matter between ``---`` lines, a
YAML subset: ``key: value`` lines, lists as ``[a, b]`` or ``- item`` lines; keys ``section``,
``visibility``, ``tags``, ``products`` (slugs or names), ``versions`` (version lines),
``summary`` and ``slug`` (an exported file names its article). The title is the first heading
(ATX ``# Title`` or setext ``Title`` over ``===``), else the first line; the body is the rest.
``write_source`` writes the same format (``kb export``).
"""

from __future__ import annotations

import gzip
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

SUFFIXES = (".md", ".txt", ".md.gz", ".txt.gz")
MAX_FILE_BYTES = 1_000_000

_ATX = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$")
_SETEXT = re.compile(r"^=+\s*$")


@dataclass
class Source:
    title: str
    body: str
    digest: str
    meta: dict[str, str | list[str]] = field(default_factory=dict)


def is_article_file(path: Path) -> bool:
    return path.is_file() and path.name.lower().endswith(SUFFIXES)


def read_source(path: Path) -> Source:
    """The file's title, body and front matter. ``ValueError`` with a reason when unreadable."""
    raw = path.read_bytes()
    if path.name.lower().endswith(".gz"):
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as error:
            raise ValueError(f"not gzip: {error}") from error
    if len(raw) > MAX_FILE_BYTES:
        raise ValueError(f"larger than {MAX_FILE_BYTES} bytes")
    try:
        text = raw.decode("utf-8-sig").replace("\r\n", "\n")
    except UnicodeDecodeError as error:
        raise ValueError("not UTF-8 text") from error
    meta, text = _front_matter(text)
    title, body = _title(text)
    if not title:
        raise ValueError("empty file")
    return Source(title, body, hashlib.sha256(raw).hexdigest(), meta)


def _front_matter(text: str) -> tuple[dict[str, str | list[str]], str]:
    if not text.startswith("---\n"):
        return {}, text
    end = text.find("\n---", 4)
    if end < 0:
        return {}, text
    meta: dict[str, str | list[str]] = {}
    key = ""
    for line in text[4:end].splitlines():
        item = re.match(r"^\s*-\s+(.+)$", line)
        if item and key:
            current = meta.get(key)
            meta[key] = [*(current if isinstance(current, list) else []), _unquote(item[1])]
            continue
        pair = re.match(r"^([A-Za-z_]+)\s*:\s*(.*)$", line)
        if pair:
            key, value = pair[1].lower(), pair[2].strip()
            meta[key] = _value(value) if value else []
    rest = text[end + 4 :]
    return meta, rest.removeprefix("\n")


def _value(value: str) -> str | list[str]:
    if value.startswith("[") and value.endswith("]"):
        return [_unquote(v) for v in value[1:-1].split(",") if v.strip()]
    return _unquote(value)


def _unquote(value: str) -> str:
    return value.strip().strip("\"'").strip()


def _title(text: str) -> tuple[str, str]:
    lines = text.split("\n")
    for i, line in enumerate(lines):
        atx = _ATX.match(line)
        if atx:
            return atx[1].strip(), _rest(lines[:i] + lines[i + 1 :])
        if line.strip() and i + 1 < len(lines) and _SETEXT.match(lines[i + 1]):
            return line.strip(), _rest(lines[:i] + lines[i + 2 :])
    for i, line in enumerate(lines):
        if line.strip():
            return line.strip(), _rest(lines[i + 1 :])
    return "", ""


def _rest(lines: list[str]) -> str:
    return "\n".join(lines).strip("\n")


def write_source(title: str, body: str, meta: dict[str, str | list[str]]) -> str:
    """A file ``read_source`` reads back to the same title, body and front matter."""
    lines = ["---"]
    for key, value in meta.items():
        if isinstance(value, list):
            lines.append(f"{key}:")
            lines += [f"  - {_quoted(item)}" for item in value]
        elif value:
            lines.append(f"{key}: {_quoted(value)}")
    title_line = " ".join(title.split())
    return "\n".join([*lines, "---", f"# {title_line}", "", body.strip("\n"), ""])


def _quoted(value: str) -> str:
    # Quotes keep the value's edges (``_unquote`` strips one layer of them and the blanks).
    return f'"{" ".join(value.split())}"'
