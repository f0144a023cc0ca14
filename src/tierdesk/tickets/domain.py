"""The ticket lifecycle as data: statuses, actions, which status each action may start from and
where it leads; and the ticket's reference (``TD-1042``), written and read.

No ORM (settings only, for the reference's prefix and offset), so the table can be read, tested
and drawn on its own. Services consult it before every change; a refused transition is an
``InvalidTransition`` error, never a silent no-op.
"""

from __future__ import annotations

from enum import StrEnum

from django.conf import settings


class Status(StrEnum):
    NEW = "new"  # opened, nobody has answered yet
    OPEN = "open"  # being worked by support
    PENDING = "pending"  # waiting: on the customer, a third party, or the customer's side
    RESOLVED = "resolved"  # support says it is fixed; the reporter may confirm or reopen
    CLOSED = "closed"  # done; a later reply opens a follow-up ticket


class PendingReason(StrEnum):
    CUSTOMER = "customer"  # waiting for the customer's answer
    THIRD_PARTY = "third_party"  # waiting on a supplier, carrier, data centre
    CUSTOMER_SIDE = "customer_side"  # cause on the customer's side: their hardware, network, power
    REMOTE_ACCESS = "remote_access"  # waiting for the customer to provision remote access


class Action(StrEnum):
    REPLY = "reply"
    NOTE = "note"
    ASSIGN = "assign"
    SET_PRIORITY = "set_priority"
    SET_IMPACT = "set_impact"
    ESCALATE = "escalate"
    HAND_BACK = "hand_back"
    PEND = "pend"
    RESUME = "resume"
    RESOLVE = "resolve"
    CLOSE = "close"
    REOPEN = "reopen"
    UPDATE = "update"
    ATTACH = "attach"


ACTIVE = frozenset({Status.NEW, Status.OPEN, Status.PENDING})
# Pending on the customer (their answer, their side, their remote access), not on a third party:
# what the portal calls "waiting for you".
WAITING_FOR_CUSTOMER = frozenset(
    {PendingReason.CUSTOMER, PendingReason.CUSTOMER_SIDE, PendingReason.REMOTE_ACCESS}
)
DONE = frozenset({Status.RESOLVED, Status.CLOSED})
ALL = ACTIVE | DONE

# Action -> statuses it may start from. Where the action moves the ticket, TARGET says where
# (the services write ``TARGET[action]``, never a status of their own).
ALLOWED_FROM: dict[Action, frozenset[Status]] = {
    Action.REPLY: ALL,  # on a closed ticket the service opens a follow-up instead
    Action.NOTE: ALL,
    Action.ATTACH: ALL,
    Action.ASSIGN: ACTIVE,
    Action.SET_PRIORITY: ACTIVE,
    Action.SET_IMPACT: ACTIVE,
    Action.UPDATE: ACTIVE,
    Action.ESCALATE: frozenset({Status.NEW, Status.OPEN}),
    Action.HAND_BACK: frozenset({Status.NEW, Status.OPEN}),
    Action.PEND: frozenset({Status.NEW, Status.OPEN}),
    Action.RESUME: frozenset({Status.PENDING}),
    Action.RESOLVE: ACTIVE,
    Action.CLOSE: frozenset({Status.RESOLVED}),
    Action.REOPEN: DONE,
}

TARGET: dict[Action, Status] = {
    Action.PEND: Status.PENDING,
    Action.RESUME: Status.OPEN,
    Action.RESOLVE: Status.RESOLVED,
    Action.CLOSE: Status.CLOSED,
    Action.REOPEN: Status.OPEN,
}


def waits_for_customer(status: Status | str, pending_reason: str) -> bool:
    """The ticket waits for the customer to act (``WAITING_FOR_CUSTOMER``)."""
    return status == Status.PENDING and pending_reason in WAITING_FOR_CUSTOMER


def may(action: Action, status: Status | str) -> bool:
    return Status(status) in ALLOWED_FROM[action]


# ---- the reference --------------------------------------------------------------------------


def ticket_number(ticket_id: int) -> int:
    """The number customers see: the id plus ``TIERDESK_TICKET_NUMBER_OFFSET`` (no sequence
    table, no race; the offset moves it)."""
    return ticket_id + settings.TIERDESK_TICKET_NUMBER_OFFSET


def reference(ticket_id: int) -> str:
    """``TD-1042``: the ticket's name on every page, in every mail and in the API."""
    return f"{settings.TIERDESK_TICKET_PREFIX}-{ticket_number(ticket_id)}"


def ticket_id_from_reference(text: str | int) -> int | None:
    """``TD-1042``, ``td-1042``, ``1042`` (or the number 1042) -> the ticket's id; ``None`` when
    it names no ticket (also a number past any id a table holds)."""
    found = str(text).strip().upper().removeprefix(settings.TIERDESK_TICKET_PREFIX.upper() + "-")
    if not (found.isascii() and found.isdigit()) or len(found) > 18:
        return None
    ticket_id = int(found) - settings.TIERDESK_TICKET_NUMBER_OFFSET
    return ticket_id if ticket_id > 0 else None


def status_after_reply(status: Status | str, *, by_agent: bool, public: bool) -> Status:
    """Where a message moves a ticket.

    An agent's first public reply takes a new ticket to open. A customer's reply to a ticket that
    waits on them, or to a resolved one, puts it back in support's hands (the usual helpdesk
    behaviour: Zendesk, Zammad). Internal notes move nothing.
    """
    current = Status(status)
    if not public:
        return current
    if by_agent:
        return Status.OPEN if current is Status.NEW else current
    if current in {Status.PENDING, Status.RESOLVED}:
        return Status.OPEN
    return current


class Severity(StrEnum):
    CRITICAL = "critical"
    MAJOR = "major"
    MINOR = "minor"


DEFAULT_PRIORITY_FOR_SEVERITY = {Severity.CRITICAL: 1, Severity.MAJOR: 2, Severity.MINOR: 3}


def severity_from_impact(
    affected: int, total: int, *, critical_percent: float = 20.0, major_percent: float = 2.0
) -> Severity:
    """X3: critical at ``critical_percent`` or more of production lost, major above
    ``major_percent`` and below critical, minor otherwise.

    Integer arithmetic (affected * 100 against percent * total) so 20 of 100 is exactly 20%.
    """
    if total <= 0:
        raise ValueError("total must be positive")
    if not 0 <= affected <= total:
        raise ValueError("affected must be between 0 and total")
    share = affected * 100
    if share >= critical_percent * total:
        return Severity.CRITICAL
    if share > major_percent * total:
        return Severity.MAJOR
    return Severity.MINOR
