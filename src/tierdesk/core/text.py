"""Markdown and plain text to sanitized HTML, file names made safe, the longest text each
input may be, and the one parser of the numbers people type (ids, page numbers, filters).

Bodies are stored as the author wrote them and rendered once on write: pages and mail never
render user input on the fly, and the sanitizer (nh3, Rust's ammonia) is the last word on what
HTML may reach a browser.
"""

from __future__ import annotations

import html
import unicodedata
from functools import cache
from pathlib import PurePosixPath

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "ol", "p", "pre",
    "s", "span", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "code": {"class"},
}
URL_SCHEMES = {"http", "https", "mailto", "cid"}

# The longest text each kind of input may be, in characters, on every channel that takes it
# from a person (API, desk, portal); docs/operations.md lists them. A message body is rendered
# on write, about 1.8 s per MB of Markdown: 100,000 characters render in a fraction of that.
MAX_SUBJECT = 255
MAX_BODY = 100_000
MAX_NAME = 200
MAX_FACT = 20_000
MAX_REASON = 5_000  # reasons, notes, resolution summaries
MAX_SEARCH = 200
MAX_UNIT = 30
# Ids, counts and page numbers: what a 64-bit signed column holds; pages stop well before.
MAX_INT = 2**63 - 1
MAX_PAGE = 1_000_000
MAX_IMPACT = 2**31 - 1  # affected and total units of an impact (a 32-bit column)


@cache
def _markdown() -> MarkdownIt:
    # "js-default" escapes raw HTML in the source: Markdown may format, never inject tags.
    return MarkdownIt("js-default", {"linkify": False, "breaks": True}).enable("table")


def sanitize_html(raw_html: str) -> str:
    return nh3.clean(
        raw_html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )


def render_markdown(source: str) -> str:
    return sanitize_html(_markdown().render(source))


def markdown_images(source: str) -> list[str]:
    """The ``src`` of every image the Markdown shows, as ``render_markdown`` writes it
    (percent-encoded: ``my%20net.png``), in order: inline (``![x](a.png)``) and by reference."""
    if "![" not in source:
        return []  # most bodies show none: no second parse of them
    inline = (token.children or [] for token in _markdown().parse(source))
    return [
        str(child.attrGet("src"))
        for children in inline
        for child in children
        if child.type == "image"
    ]


def render_plain(source: str) -> str:
    paragraphs = source.replace("\r\n", "\n").split("\n\n")
    parts = ["<p>" + html.escape(p).replace("\n", "<br>") + "</p>" for p in paragraphs if p]
    return "".join(parts)


def render_body(source: str, body_format: str) -> str:
    if body_format == "markdown":
        return render_markdown(source)
    if body_format == "html":
        return sanitize_html(source)
    return render_plain(source)


def parse_int(text: object, *, low: int = 0, high: int = MAX_INT) -> int | None:
    """The number a person typed, or ``None``: ASCII digits only (no sign, spaces, ``1_000``
    or other scripts' digits such as ``²``, which ``str.isdigit`` accepts and ``int`` may not),
    between ``low`` and ``high``. Every id, page number and integer filter read from a URL or a
    form goes through here; the caller answers ``None`` with 404 or 422."""
    if isinstance(text, bool):
        return None
    if isinstance(text, int):
        number = text
    elif isinstance(text, str) and text.isascii() and text.isdigit() and len(text) <= 19:
        number = int(text)
    else:
        return None
    return number if low <= number <= high else None


class IdConverter:
    """The ``id`` URL converter (registered by ``CoreConfig.ready``): no match, a 404, for
    anything ``parse_int`` refuses."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = parse_int(value, low=1)
        if number is None:
            raise ValueError(value)
        return number

    def to_url(self, value: int) -> str:
        return str(value)


def safe_filename(name: str, fallback: str = "attachment") -> str:
    """A file name a sender chose, fit to show and to offer for download: the last path part
    only, no control or shell-hostile characters, never empty, never hidden or dotted."""
    name = unicodedata.normalize("NFC", name or "")
    name = PurePosixPath(name.replace("\\", "/")).name
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '<>:"|?*')
    return name.strip(" .")[:200].rstrip(" .") or fallback
