"""An article's body as a page shows it: an image or a link that names one of the article's
files (``![Diagram](diagram.png)``, ``[the guide](guide.pdf)``) points at that file's URL on
the page's face (the help centre's, the desk's).

The body was rendered and sanitised when its revision was written (``core.text``); here only the
value of an ``img src`` or ``a href`` that is exactly one of the file names is swapped for a URL
we build, escaped. The sanitiser's output writes every attribute value in double quotes with
``"`` escaped, so a match is always a real attribute; anything else is left as it was.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from urllib.parse import unquote

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
        name = unquote(html.unescape(match.group(2))).removeprefix("./")
        if name not in names:
            return match.group(0)
        return f"{match.group(1)}{html.escape(url(name))}{match.group(3)}"

    return _REFERENCE.sub(swap, body_html)
