"""A source's credentials: ``Authorization: Bearer <token>`` or HTTP basic auth whose password
is the token (the user name is free: Alertmanager, Grafana and Zabbix can send either)."""

from __future__ import annotations

import base64
import binascii
import hmac

from tierdesk.accounts.models import hash_token
from tierdesk.monitoring.models import Source


def token_from_header(header: str) -> str:
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() == "bearer":
        return value.strip()
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return ""
        return decoded.partition(":")[2]
    return ""


def source_authenticated(source: Source | None, header: str) -> bool:
    """Whether the header carries the source's token (compared in constant time)."""
    token = token_from_header(header)
    if source is None or not token or not source.token_hash:
        return False
    return hmac.compare_digest(hash_token(token), source.token_hash)
