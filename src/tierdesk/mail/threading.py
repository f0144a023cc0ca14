"""Our outgoing Message-IDs, and finding the ticket a reply belongs to from its headers.

An outgoing Message-ID looks like ``<td.1042.k3j9x.SIGNATURE@example.com>``: the ticket's
primary key, a nonce and an HMAC of both under the project's secret key (``django.core.signing``,
its own salt). A reply names it in In-Reply-To or References, so it joins its ticket whatever
its subject says, and nobody can forge an id that points at someone else's ticket.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from functools import cache

from django.conf import settings
from django.core import signing

SALT = "tierdesk.mail.message-id"
PREFIX = "td"


@cache
def _signer() -> signing.Signer:
    return signing.Signer(sep=".", salt=SALT)


def id_domain() -> str:
    configured = settings.TIERDESK_MAIL_ID_DOMAIN
    if configured:
        return configured
    sender = settings.TIERDESK_MAIL_FROM
    return sender.rpartition("@")[2].strip("> ") or "tierdesk.localhost"


def new_message_id(ticket_pk: int | None) -> str:
    """A fresh Message-ID (without angle brackets) that carries the ticket signed."""
    # One draw from the system's randomness (48 bits, a-f0-9), not one per character: each is
    # a system call, and a batch's acknowledgements made a few hundred of them.
    nonce = secrets.token_hex(6)
    value = f"{PREFIX}.{ticket_pk or 0}.{nonce}"
    return f"{_signer().sign(value)}@{id_domain()}"


def ticket_pk_from_message_id(message_id: str) -> int | None:
    """The ticket of one of our Message-IDs, or ``None`` for anyone else's or a forged one."""
    local = message_id.strip("<> ").rpartition("@")[0]
    if not local.startswith(PREFIX + "."):
        return None
    try:
        value = _signer().unsign(local)
    except signing.BadSignature:
        return None
    parts = value.split(".")
    if len(parts) != 3 or not parts[1].isdigit() or parts[1] == "0":
        return None
    return int(parts[1])


def ticket_pk_from_thread(thread_ids: list[str]) -> int | None:
    """The first of the ids (most direct first) that is one of ours."""
    for message_id in thread_ids[:50]:
        pk = ticket_pk_from_message_id(message_id)
        if pk is not None:
            return pk
    return None


def loop_id() -> str:
    """What our loop header says: this installation, without revealing anything about it."""
    configured = settings.TIERDESK_MAIL_LOOP_ID
    if configured:
        return configured
    return hashlib.sha256(("loop:" + settings.SECRET_KEY).encode()).hexdigest()[:20]


# ---- the agents' signed reply addresses --------------------------------------------------

AGENT_SALT = "tierdesk.mail.agent-reply"
AGENT_TAG = re.compile(r"^[^@+]+\+a(\d{1,12})\.([0-9a-z]{10,40})@", re.I)


@cache
def _agent_signer() -> signing.Signer:
    return signing.Signer(salt=AGENT_SALT)


def _agent_signature(user_pk: int) -> str:
    digest = _agent_signer().signature(f"a{user_pk}")
    return "".join(ch for ch in digest.lower() if ch.isalnum())[:16]


def agent_reply_address(address: str, user_pk: int) -> str:
    """``support+a7.<signature>@example.com``: the mailbox's address tagged for one agent. Mail
    an agent sends to it proves that agent (only mail we sent them names it)."""
    local, _, domain = address.partition("@")
    return f"{local.split('+', 1)[0]}+a{user_pk}.{_agent_signature(user_pk)}@{domain}"


def agents_signed_in(addresses: list[str]) -> set[int]:
    """The user ids of the agents whose signed reply address is among the addresses."""
    found = set()
    for address in addresses[:50]:
        match = AGENT_TAG.match(address)
        if match and secrets.compare_digest(
            match.group(2).lower(), _agent_signature(int(match.group(1)))
        ):
            found.add(int(match.group(1)))
    return found
