"""The words of support questions (pure: no Django): stop words and synonym groups.

Customers describe symptoms ("I can't get in", "the site is crawling") where articles name the
cause or the fix ("Resetting a password", "Tuning performance"). Stemming joins "printing" and
"printer"; these groups join words that stemming cannot. A query's words are kept and each is
joined by the rest of its group (``expand``). The groups are general support vocabulary, not
written for one corpus: add a group when a real question misses its article.
"""

from __future__ import annotations

import re

# Words that say nothing about the problem. PostgreSQL's ``english`` configuration drops its
# own list; FTS5 keeps every word, so the query leaves these out on both engines alike.
_STOP_TEXT = """a about after again all am an and any are as at be been before being but by can
    cannot could did do does doing don dont for from had has have having he her
    here hers him his how i if in into is it its itself just me more most my
    myself no nor not now of off on once only or other our ours out over own
    same she should so some such than that the their theirs them then there
    these they this those through to too under until up very was we were what
    when where which while who whom why will with would you your yours yourself
    anymore anyone anything someone something still keep keeps get gets got
    getting help please hi hello thanks thank since ago today yesterday trying
    tried try want wanted need needs able unable won wont isn doesn didn t s m
    ve ll re d also even really every"""
STOP_WORDS = frozenset(_STOP_TEXT.split())

SYNONYM_GROUPS: tuple[frozenset[str], ...] = tuple(
    frozenset(group.split())
    for group in [
        "login log sign signin logon password passwords credentials locked lockout authenticate",
        "email mail mails smtp inbox mailbox outbound messages",
        "slow slowly sluggish performance latency lag laggy crawling timeout timeouts",
        "hang hangs freeze freezes frozen stuck unresponsive",
        "disk storage space full quota volume",
        "upgrade upgrading update updating newer",
        "backup backups restore restoring recover recovery snapshot",
        "certificate certificates ssl tls https insecure expired",
        "crash crashes crashed error errors fail fails failed failure broken down outage",
        "print printer printing prints",
        "license licence licensing activation seats",
        "install installing installation setup deploy",
        "delete deleting remove removing erase purge",
        "user users account accounts colleague colleagues member members staff",
        "invoice invoices billing bill payment",
        "connect connection connections network firewall proxy unreachable",
        "permission permissions access denied forbidden role roles",
        "export exporting download downloading csv spreadsheet",
        "import importing upload uploading",
        "notification notifications alert alerts reminder",
        "report reports reporting dashboard statistics",
        "language translation locale",
        "time timezone clock",
        "two-factor 2fa mfa authenticator totp",
        "database db postgresql sqlite",
        "monitor monitoring health metrics",
        "memory ram oom",
        "attachment attachments file files",
    ]
)

_GROUP_OF: dict[str, frozenset[str]] = {word: group for group in SYNONYM_GROUPS for word in group}
_WORD = re.compile(r"[^\W_]+")


def content_words(terms: list[str]) -> list[str]:
    """The terms that say something (lower case, stop words out, order kept, once each)."""
    seen: dict[str, None] = {}
    for term in terms:
        word = term.lower()
        if word not in STOP_WORDS and len(word) > 1:
            seen.setdefault(word, None)
    return list(seen)


def expand(words: list[str]) -> list[str]:
    """The words, then the other words of their synonym groups (each once)."""
    seen: dict[str, None] = dict.fromkeys(words)
    for word in words:
        # "emails" joins the group of "email": a plural is looked up by its singular too.
        group = _GROUP_OF.get(word) or _GROUP_OF.get(word.removesuffix("s"), frozenset())
        for synonym in sorted(group):
            if _WORD.fullmatch(synonym):  # "two-factor" is a phrase, not one term
                seen.setdefault(synonym, None)
    return list(seen)
