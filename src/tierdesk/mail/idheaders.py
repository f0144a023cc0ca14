"""Message-ID, In-Reply-To and References as RFC 5322 says: ``<id>`` tokens, never RFC 2047
encoded, folded only *between* ids however long they are.

Django builds mail with ``email.policy.default``, whose folding treats these headers as
unstructured text: an id longer than the line (ours are signed, about 90 characters) became an
encoded word (``=?utf-8?q?=3Ctd=2E223...?=``), which no mail client reads as an id, so
customers' clients did not thread our answers. ``ThreadedEmail`` builds its message with a
policy whose header factory folds these three headers our way.
"""

from __future__ import annotations

import email.policy
from email.headerregistry import HeaderRegistry, UnstructuredHeader
from typing import Any

from django.core.mail import EmailMessage

from tierdesk.mail.text import MESSAGE_ID

ID_HEADERS = ("message-id", "in-reply-to", "references")


class IdListHeader(UnstructuredHeader):
    """A header of ``<id>`` tokens, folded between tokens and never encoded."""

    def fold(self, *, policy: Any) -> str:
        name = getattr(self, "name", "References")
        tokens = [f"<{mid}>" for mid in MESSAGE_ID.findall(str(self))] or [str(self).strip()]
        lines: list[str] = []
        line = f"{name}:"
        for token in tokens:
            if line != f"{name}:" and len(line) + 1 + len(token) > 78:
                lines.append(line)
                line = ""
            line += " " + token
        lines.append(line)
        return policy.linesep.join(lines) + policy.linesep


def _registry() -> HeaderRegistry:
    registry = HeaderRegistry()
    for name in ID_HEADERS:
        registry.map_to_type(name, IdListHeader)  # type: ignore[arg-type]
    return registry


REGISTRY = _registry()


def id_policy(policy: Any) -> Any:
    return policy.clone(header_factory=REGISTRY)


class ThreadedEmail(EmailMessage):
    """Django's message, with the threading headers folded as ids."""

    def message(self, *, policy: Any = email.policy.default) -> Any:
        return super().message(policy=id_policy(policy or email.policy.default))
