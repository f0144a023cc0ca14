"""Markdown and plain text to sanitized HTML, and file names made safe.

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


def safe_filename(name: str, fallback: str = "attachment") -> str:
    """A file name a sender chose, fit to show and to offer for download: the last path part
    only, no control or shell-hostile characters, never empty, never hidden or dotted."""
    name = unicodedata.normalize("NFC", name or "")
    name = PurePosixPath(name.replace("\\", "/")).name
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '<>:"|?*')
    return name.strip(" .")[:200].rstrip(" .") or fallback
