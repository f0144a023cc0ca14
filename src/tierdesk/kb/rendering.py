"""An article's body as a page shows it: an image or a link that names one of the article's
files (``![Diagram](diagram.png)``, ``[the guide](guide.pdf)``), and an image whose relative
path has a file's name as its base name (``![Diagram](images/diagram.png)``, as ``kb import``
uploads it: ``kb.links``), points at that file's URL on the page's face (the help centre's, the
desk's).

The body was rendered and sanitised when its revision was written (``core.text``); here only the
value of an ``img src`` or ``a href`` that names one of the files is swapped for a URL we
build, escaped. The sanitiser's output writes every attribute value in double quotes with
``"`` escaped, so a match is always a real attribute; anything else is left as it was.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from urllib.parse import unquote

from tierdesk.kb.links import file_name, relative_path
from tierdesk.kb.models import ArticleAttachment

_REFERENCE = re.compile(r'(<(?:img\s[^>]*?\bsrc|a\s[^>]*?\bhref)=")([^"]*)(")')


def with_files(
    body_html: str, files: Iterable[ArticleAttachment], url: Callable[[str], str]
) -> str:
    """``body_html`` with references to the names of ``files`` pointing at ``url(name)``."""
    names = {file.filename for file in files}
    if not names:
        return body_html

    def swap(match: re.Match[str]) -> str:
        name = _named(match.group(1), html.unescape(match.group(2)), names)
        if name is None:
            return match.group(0)
        return f"{match.group(1)}{html.escape(url(name))}{match.group(3)}"

    return _REFERENCE.sub(swap, body_html)


def _named(start: str, value: str, names: set[str]) -> str | None:
    """The file a reference names: exactly (``guide.pdf``, ``./guide.pdf``) or, for an image,
    by its relative path's base name (``images/diagram.png``; never ``/x.png`` or a URL)."""
    exact = unquote(value).removeprefix("./")
    if exact in names:
        return exact
    path = relative_path(value) if start.startswith("<img") else None
    name = file_name(path) if path else None
    return name if name in names else None
