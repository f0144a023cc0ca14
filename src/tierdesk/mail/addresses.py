"""Who a message says it is from, read the way a careful person would; pure Python, no Django.

``parseaddr`` alone loses the sender of much real-world mail: a display name that is itself an
address (``From: alice@example.com <bob@example.com>``), an unquoted comma (``From: Doe, John
<john@example.com>``), an address hidden in RFC 2047 encoded words, or no ``From`` at all. The
mail still came from somewhere: the address between the last angle brackets is the one the mail
system uses, and ``Sender``, ``Reply-To`` and ``Return-Path`` stand in for a missing ``From``.
Each such pattern is named in ``SenderAddress.patterns`` and stored with the message, since most
are how forged mail tries to look like someone else.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import getaddresses, parseaddr

# Address headers: read before their encoded words are decoded (a decoded display name may
# hold commas and brackets).
ADDRESS_HEADERS = frozenset({"from", "sender", "reply-to", "return-path", "to", "cc",
                             "delivered-to", "x-original-to", "envelope-to"})  # fmt: skip
ANGLE_ADDRESS = re.compile(r"<\s*([^<>\s@]+@[^<>\s@]+)\s*>")
BARE_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
# Where the sender comes from when ``From`` gives none, best first.
STAND_INS = ("sender", "reply-to", "return-path")


@dataclass(frozen=True)
class SenderAddress:
    address: str = ""
    name: str = ""
    # How the header departs from a plain ``Name <address>``; empty for ordinary mail.
    patterns: tuple[str, ...] = field(default=())


def valid(address: str) -> str:
    """The address lower-cased, or ``""`` when it is none (no ``@``, spaces, too long)."""
    address = address.strip().strip("<>").strip().lower()
    local, at, domain = address.rpartition("@")
    if not at or not local or "." not in domain or " " in address or len(address) > 254:
        return ""
    return address


def read_sender(addresses: dict[str, str], decode: Callable[[str], str]) -> SenderAddress:
    """The real sender from the raw address headers (lower-case names, folding undone);
    ``decode`` turns RFC 2047 words into text."""
    raw_from = addresses.get("from", "")
    found = read_address(raw_from, decode) if raw_from.strip() else SenderAddress()
    if found.address:
        return found
    for name in STAND_INS:
        stand_in = read_address(addresses.get(name, ""), decode)
        if stand_in.address:
            missing = "From has no usable address" if raw_from.strip() else "no From"
            patterns = (*found.patterns, f"{missing}: the sender is taken from {name.title()}")
            return SenderAddress(stand_in.address, found.name or stand_in.name, patterns)
    return found


def read_address(value: str, decode: Callable[[str], str]) -> SenderAddress:
    """One mailbox of an address header: ``Name <address>`` in all its broken forms."""
    if not value.strip():
        return SenderAddress()
    patterns: list[str] = []
    angles = ANGLE_ADDRESS.findall(value)
    if angles:
        # The mail system delivers to the last angle-address; all before it is display name.
        address = valid(angles[-1])
        name_part = value[: value.rfind("<")].strip()
        if len(angles) > 1:
            patterns.append("several angle-addresses: the last one is the sender")
    else:
        name_part, address = parseaddr(value, strict=False)
        address = valid(address)
    name = _unquoted(decode(name_part))
    if not address:
        decoded = decode(value)
        inside = ANGLE_ADDRESS.findall(decoded) or BARE_ADDRESS.findall(decoded)
        if "=?" in value and inside:
            address = valid(inside[-1])
            patterns.append("the address is hidden in encoded words")
            name = _unquoted(decoded[: decoded.find(inside[-1])].strip(" <\"'"))
    if address:
        shown = {valid(a) for a in BARE_ADDRESS.findall(name)} - {""}
        if shown - {address}:
            patterns.append(f"display name shows another address ({sorted(shown)[0]})")
        if angles and "," in name_part and not name_part.lstrip().startswith('"'):
            patterns.append("unquoted comma in the display name")
    return SenderAddress(address, name[:200], tuple(patterns))


def _unquoted(name: str) -> str:
    name = " ".join(name.split())
    if len(name) >= 2 and name[0] == name[-1] == '"':
        name = name[1:-1].replace('\\"', '"')
    return name.strip()


def address_list(values: list[str]) -> list[str]:
    """Every address of the headers, lower-cased, each once, in order."""
    found: dict[str, None] = {}
    for _name, address in getaddresses(values):
        address = valid(address)
        if address:
            found.setdefault(address, None)
    for value in values:  # what getaddresses could not split (unquoted commas, brackets)
        for address in ANGLE_ADDRESS.findall(value):
            if valid(address):
                found.setdefault(valid(address), None)
    return list(found)


def plain(address: str) -> str:
    """The address without a ``+tag`` (``support+agent-7-x@…`` → ``support@…``)."""
    local, at, domain = address.partition("@")
    return local.split("+", 1)[0] + at + domain if at else address
