"""Text helpers of the mail intake: header text cleaned and decoded, subjects, Message-IDs,
HTML as readable text. Pure Python (stdlib only, no Django)."""

from __future__ import annotations

import hashlib
import html
import re
from email.header import decode_header, make_header
from html.parser import HTMLParser

# Lines of our outgoing mail above which the customer writes (and below which we cut).
REPLY_MARKER = "##- Please type your reply above this line -##"
MESSAGE_ID = re.compile(r"<([^<>\s]+)>")
SUBJECT_PREFIXES = re.compile(r"^\s*((re|aw|sv|fw|fwd|wg|tr|antw|vs)\s*(\[\d+\])?\s*:\s*)+", re.I)
EMERGENCY = re.compile(r"\[\s*emergency\s*\]", re.I)
WROTE_LINE = re.compile(r"^.{0,300}(wrote|schrieb|a écrit|escribió|ha scritto|skrev):\s*$", re.I)
CONTROL = dict.fromkeys(c for c in range(32) if chr(c) not in "\t\n\r")
# The same characters as a pattern: ``str.translate`` with a mapping costs microseconds per call
# even on short ASCII text and a millisecond on a long non-ASCII body; the regex scan does not.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def clean_text(value: str) -> str:
    """Readable, storable text: undo surrogate escapes of raw 8-bit bytes, drop NUL and controls.

    ``email`` keeps undecodable header bytes as lone surrogates, which no database stores; they
    are usually UTF-8, else Windows-1252 (what Outlook and old webmail send unlabelled).
    """
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raw = value.encode("utf-8", "surrogateescape")
        try:
            value = raw.decode("utf-8")
        except UnicodeDecodeError:
            value = raw.decode("cp1252", "replace")
        value = value.encode("utf-8", "replace").decode("utf-8")
    return CONTROL_CHARACTERS.sub("", value)


def one_line(value: str, limit: int = 998) -> str:
    return " ".join(clean_text(value).split())[:limit]


def normalize_subject(subject: str) -> str:
    """The subject without Re:/Fwd: prefixes, for display and comparison."""
    return SUBJECT_PREFIXES.sub("", subject).strip()


def is_emergency_subject(subject: str) -> bool:
    return bool(EMERGENCY.search(subject))


def ticket_tags(subject: str, prefix: str) -> list[int]:
    """Ticket numbers tagged in the subject: ``[TD-1042]`` (any case, optional spaces)."""
    pattern = re.compile(r"\[\s*" + re.escape(prefix) + r"\s*-\s*(\d{1,12})\s*\]", re.I)
    return [int(number) for number in pattern.findall(subject)]


def message_ids(value: str) -> list[str]:
    """The ``<id>`` tokens of a Message-ID, In-Reply-To or References header, in order."""
    return [one_line(mid, 250) for mid in MESSAGE_ID.findall(value)]


def sha256(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def header_block(raw: bytes) -> bytes:
    """The header section of a raw message (what is kept of a message over the size limit)."""
    for separator in (b"\r\n\r\n", b"\n\n"):
        end = raw.find(separator)
        if end >= 0:
            return raw[: end + len(separator)]
    return raw[:65536]


def decode_words(value: str) -> str:
    """RFC 2047 encoded words (``=?utf-8?q?...?=``) decoded; unknown charsets and broken words
    are read leniently, never raised."""
    if "=?" not in value:
        return value
    try:
        return str(make_header(decode_header(value)))
    except Exception:
        pass
    try:
        chunks = decode_header(value)
    except Exception:
        return value
    return "".join(_decoded_chunk(chunk, charset) for chunk, charset in chunks)


def _decoded_chunk(chunk: bytes | str, charset: str | None) -> str:
    if isinstance(chunk, str):
        return chunk
    if charset is None:  # text around the encoded words, which decode_header escaped
        return chunk.decode("raw-unicode-escape", "replace")
    try:
        return chunk.decode(charset, "replace")
    except LookupError:  # a charset nobody knows: most such mail is UTF-8
        return chunk.decode("utf-8", "replace")


# ---- bodies ------------------------------------------------------------------------------


class _TextExtractor(HTMLParser):
    BLOCKS = frozenset({"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "blockquote"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style", "head"}:
            self.skip += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style", "head"} and self.skip:
            self.skip -= 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    """Readable plain text from HTML (for HTML-only mail's quote stripping and search)."""
    extractor = _TextExtractor()
    try:
        extractor.feed(markup)
        extractor.close()
    except Exception:
        return html.unescape(re.sub(r"<[^>]+>", " ", markup))
    text = "".join(extractor.parts)
    text = re.sub(r"[ \t\r\f\v]+", " ", text)
    return re.sub(r"\n\s*\n+", "\n\n", text).strip()
