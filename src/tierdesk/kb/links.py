"""The images an article's body shows by a relative path (``![Diagram](images/net.png)``,
``./shot.jpg``, ``../shared/logo.png``): ``kb import`` uploads them from beside the file, ``kb
export`` writes them back there, and the pages show the article's file of that base name
(``rendering.with_files``). Pure: no database.

Relative means no scheme, no host and not from the root (``/``); a query or a fragment is not
part of the path (a browser would not ask for it either).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from tierdesk.core.text import markdown_images, safe_filename


def relative_path(link: str) -> str | None:
    """The path a link's target names when it is relative, decoded; else ``None``."""
    parts = urlsplit(link)
    if parts.scheme or parts.netloc:
        return None
    path = unquote(parts.path)
    if not path or path.startswith(("/", "\\")) or "\0" in path:
        return None
    return path


def image_paths(body: str) -> list[str]:
    """The relative paths of the images a (Markdown) body shows, each once, in order."""
    paths = (relative_path(src) for src in markdown_images(body))
    return list(dict.fromkeys(path for path in paths if path))


def file_name(path: str) -> str:
    """The name of the article's file a relative path names: its base name, made safe as every
    stored file's name is (``core.attachments.store``)."""
    return safe_filename(path)


def inside(root: Path, base: Path, path: str) -> Path | None:
    """``path`` from the directory ``base``, links followed, if it stays under ``root``; else
    ``None`` (``../../etc/passwd``, or a link to elsewhere)."""
    target = (base / path).resolve()
    return target if target.is_relative_to(root.resolve()) else None
