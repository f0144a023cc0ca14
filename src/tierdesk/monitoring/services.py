"""Every write of the monitoring intake: payloads in, alert groups and their tickets, paging,
acknowledgements, sources.

One notice (a payload read by its adapter) changes one alert group in one transaction, and the
group's ticket only through the tickets services, as Tierdesk itself (``SYSTEM``):

- firing, no open group: a new group and ticket (or, within the source's reopen window after the
  group resolved, its ticket reopened: flapping); the first person on duty is paged;
- firing, open group, nothing new: a repeat: the group's count and last-seen move, nothing else
  (no ticket write, no clock, no mail);
- firing with alerts that joined, recovered inside the group or were left out: a note;
- resolved: a note, and the ticket resolved (or only the note: ``Source.on_recovery``);
- an acknowledgement or comment from the monitoring system: an internal note.

Each notice reads its open group once without a lock and asks the subscribers of
``alert_received`` once (one query for the maintenance windows, however many alerts it
carries); a repeat then costs one UPDATE.

Concurrency: at most one open group per source and key (a partial unique constraint). A group
to change is read again ``FOR UPDATE``; a sender that loses the race to insert it takes the
winner's group as its own. A repeat is a single ``UPDATE ... WHERE is_open`` with no lock held.
"""

from __future__ import annotations

import json
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, router, transaction
from django.db.models import F

from tierdesk.accounts.models import hash_token
from tierdesk.accounts.principal import SYSTEM, principal_of
from tierdesk.core.clock import now
from tierdesk.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tierdesk.core.fetch import CompiledQuery, CompiledUpdate, Param
from tierdesk.monitoring import paging, policies
from tierdesk.monitoring.adapters import PARSERS
from tierdesk.monitoring.hooks import Verdict, alert_received
from tierdesk.monitoring.models import (
    AlertGroup,
    OnRecovery,
    PayloadOutcome,
    RawPayload,
    Source,
    SourceKind,
)
from tierdesk.monitoring.notices import (
    Alert,
    MalformedPayload,
    NoteKind,
    Notice,
    State,
    rises,
)
from tierdesk.monitoring.routing import Route, route
from tierdesk.tickets.domain import reference
from tierdesk.tickets.models import BodyFormat, Channel, EventKind, Ticket, TicketEvent
from tierdesk.tickets.services import (
    ticket_note,
    ticket_open,
    ticket_reopen,
    ticket_resolve,
    ticket_set_priority,
)

log = logging.getLogger(__name__)

# A notice that lost a compare-and-set on its ticket (an agent wrote meanwhile) is applied again.
ATTEMPTS = 3


@dataclass(frozen=True)
class Outcome:
    """What one payload did: ``action`` is created, updated, resolved, reopened, ignored or
    rejected; ``ticket`` the reference (or ``None``)."""

    action: str
    ticket: str | None
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"action": self.action, "ticket": self.ticket, "reason": self.reason}


# ---- payloads ----------------------------------------------------------------------------


def payload_ingest(
    *, source: Source, payload: bytes | str | dict[str, Any], content_type: str = ""
) -> Outcome:
    """Read one payload as its source's shape and apply it. A payload that cannot be read is
    kept (``RawPayload``, its own commit) and answered ``rejected``; one that fails while it is
    applied is kept too, and the error goes on (the sender retries)."""
    try:
        data = payload if isinstance(payload, dict) else _json(payload)
        notice = PARSERS[source.kind](data)
    except MalformedPayload as exc:
        _keep(source, payload, content_type, PayloadOutcome.REJECTED, exc.message)
        return Outcome("rejected", None, exc.message)
    try:
        return notice_apply(source=source, notice=notice)
    except Exception as exc:
        _keep(source, payload, content_type, PayloadOutcome.FAILED, repr(exc))
        raise


def _json(payload: bytes | str) -> Any:
    if isinstance(payload, bytes):
        try:
            payload = payload.decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedPayload("The body is not UTF-8 text.") from None
    if not payload.strip():
        raise MalformedPayload("The body is empty; a JSON object was expected.")
    try:
        data = json.loads(payload)
    except ValueError as exc:
        raise MalformedPayload(f"The body is not valid JSON: {exc}.") from None
    if not isinstance(data, dict):
        raise MalformedPayload(f"The body must be a JSON object, got {type(data).__name__}.")
    return data


def _keep(source: Source | None, payload: Any, content_type: str, outcome: str, error: str) -> None:
    if isinstance(payload, bytes):
        body = payload.decode("utf-8", "replace")
    elif isinstance(payload, str):
        body = payload
    else:
        body = json.dumps(payload, ensure_ascii=False, default=str)
    RawPayload.objects.create(
        source=source, kind=source.kind if source else "", body=body.replace("\x00", "\\u0000"),
        content_type=content_type[:100], outcome=outcome, error=error[:5000], received_at=now(),
    )  # fmt: skip
    log.warning("monitoring payload %s for %s: %s", outcome, source, error)


# ---- notices -----------------------------------------------------------------------------


def notice_apply(*, source: Source, notice: Notice) -> Outcome:
    """Apply one notice to its alert group and the group's ticket (see the module's text)."""
    for attempt in range(ATTEMPTS):
        try:
            return _apply(source, notice)
        except Conflict:
            if attempt == ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _apply(source: Source, notice: Notice) -> Outcome:
    seen = _open_group(source, notice.key_hash, lock=False)
    verdict = _verdict(source, notice, seen)
    if verdict.silenced:
        return Outcome("ignored", _ref_of(seen), f"silenced: {verdict.silenced_because}")
    if notice.state is State.FIRING and seen is not None:
        counted = _count_repeat(seen, notice, verdict)
        if counted is not None:
            return counted
    with transaction.atomic():
        # Nothing to lock when no group was open a moment ago: a sender that opens it meanwhile
        # is caught by the unique constraint when this one inserts its own (``_create``).
        group = _open_group(source, notice.key_hash, lock=True) if seen is not None else None
        if _pk(group) != _pk(seen):
            verdict = _verdict(source, notice, group)  # the group changed since it was read
            if verdict.silenced:
                return Outcome("ignored", _ref_of(group), f"silenced: {verdict.silenced_because}")
        if notice.state is State.FIRING:
            return _fire(source, notice, group, verdict)
        if group is None:
            return Outcome("ignored", None, f"no open alert group for {notice.group_key!r}")
        if notice.state is State.RESOLVED:
            return _resolve(source, notice, group)
        return _note(notice, group)


def _verdict(source: Source, notice: Notice, group: AlertGroup | None) -> Verdict:
    """What the subscribers of ``alert_received`` say (before anything is written): asked once
    per notice."""
    verdict = Verdict()
    alert_received.fire(source=source, notice=notice, group_id=_pk(group), verdict=verdict)
    return verdict


def _count_repeat(group: AlertGroup, notice: Notice, verdict: Verdict) -> Outcome | None:
    """The hot path of a storm: a notice that says nothing the open group does not know is
    counted with one UPDATE and no lock, no ticket write, no mail. ``None``: not a repeat."""
    if not _is_repeat(group, notice) or not set(verdict.tags) <= set(group.tags):
        return None  # news (an alert, a status, a tag): the locked path notes it
    counted = _COUNT_REPEAT.run(router.db_for_write(AlertGroup), group=group.pk, at=now())
    if not counted:
        return None  # resolved meanwhile: the locked path decides
    return Outcome("updated", _ref_of(group), f"repeat {group.notice_count + 1} of the alert group")


# A repeat: the open group counts one more notice, seen now (compiled once per process).
_COUNT_REPEAT = CompiledUpdate(
    lambda: AlertGroup.objects.filter(pk=Param("group", AlertGroup._meta.pk), is_open=True),
    notice_count=F("notice_count") + 1,
    last_seen_at=Param("at", AlertGroup._meta.get_field("last_seen_at")),
)


def _open_group(source: Source, key_hash: str, *, lock: bool) -> AlertGroup | None:
    """The source's open group for the key: read as it is (``lock=False``, without its
    ticket), or locked for the change with its ticket."""
    read = _OPEN_GROUP_LOCKED if lock else _OPEN_GROUP
    return read.first(router.db_for_write(AlertGroup), source=source.pk, key_hash=key_hash)


def _open_groups(*, lock: bool) -> Any:
    groups = AlertGroup.objects.filter(
        source_id=Param("source", AlertGroup._meta.get_field("source")),
        key_hash=Param("key_hash", AlertGroup._meta.get_field("key_hash")),
        is_open=True,
    ).order_by()
    return groups.select_for_update(of=("self",)).select_related("ticket") if lock else groups


# Every notice reads its group (a storm: hundreds a second): the ORM compiles each read once.
_OPEN_GROUP = CompiledQuery(lambda: _open_groups(lock=False))
_OPEN_GROUP_LOCKED = CompiledQuery(lambda: _open_groups(lock=True))


def _pk(group: AlertGroup | None) -> int | None:
    return group.pk if group is not None else None


def _ref_of(group: AlertGroup | None) -> str | None:
    """The reference of the group's ticket without reading the ticket."""
    return reference(group.ticket_id) if group is not None and group.ticket_id else None


def _is_repeat(group: AlertGroup, notice: Notice) -> bool:
    """Nothing in the notice that the group does not already say."""
    if notice.truncated != group.truncated or rises(group.severity, notice.severity):
        return False
    for alert in notice.alerts:
        known = group.alerts.get(alert.key)
        if known is None or known.get("status") != alert.status:
            return False
    return True


# ---- firing ------------------------------------------------------------------------------


def _fire(source: Source, notice: Notice, group: AlertGroup | None, verdict: Verdict) -> Outcome:
    at = now()
    if group is None:
        reopened = _reopen_recent(source, notice, verdict, at)
        if reopened is not None:
            return reopened
        return _create(source, notice, verdict, at)
    was = group.severity
    lines = _merge(group, notice, verdict, at)
    rose = rises(was, notice.severity)
    if rose:
        lines.append(f"The severity rose from {was or 'none'} to {notice.severity}.")
    group.save(update_fields=MERGED_FIELDS)
    if lines and group.ticket is not None:
        ticket_note(
            actor=SYSTEM, ticket=group.ticket, body="\n".join(lines), body_format=BodyFormat.PLAIN
        )
        if rose:
            _raise_priority(source, notice, group.ticket, lines[-1])
    reason = "; ".join(lines) if lines else f"repeat {group.notice_count} of the alert group"
    return Outcome("updated", _ref_of(group), reason[:500])


def _raise_priority(source: Source, notice: Notice, ticket: Ticket, reason: str) -> None:
    """A rising severity raises an active ticket's priority to the one routing gives the notice
    now (never lowers it: a person may have raised it further)."""
    priority = route(source, notice).priority
    if ticket.is_active and priority < ticket.priority:
        ticket_set_priority(actor=SYSTEM, ticket=ticket, priority=priority, reason=reason)


# What ``_merge`` changes on a group.
MERGED_FIELDS = ["alerts", "truncated", "hosts", "tags", "notice_count", "last_seen_at", "severity"]


def _merge(group: AlertGroup, notice: Notice, verdict: Verdict, at: datetime) -> list[str]:
    """Take the notice's alerts into the group; the lines a note should say about it."""
    joined: list[Alert] = []
    recovered: list[Alert] = []
    refired: list[Alert] = []
    for alert in notice.alerts:
        known = group.alerts.get(alert.key)
        if known is None:
            joined.append(alert)
        elif known.get("status") != alert.status:
            (recovered if alert.status == "resolved" else refired).append(alert)
        group.alerts[alert.key] = _alert_row(alert)
    lines = []
    if joined:
        lines.append(f"{len(joined)} alert(s) joined the group: {_names(joined)}")
    if refired:
        lines.append(f"Firing again: {_names(refired)}")
    if recovered:
        lines.append(
            f"Recovered while the group still fires: {_names(recovered)} "
            f"({group.firing_count} still firing)"
        )
    if notice.truncated != group.truncated:
        if notice.truncated:
            lines.append(
                f"The monitoring system left out {notice.truncated} alert(s) of the group."
            )
        group.truncated = notice.truncated
    group.hosts = sorted(set(group.hosts) | set(notice.hosts))
    group.tags = sorted(set(group.tags) | set(verdict.tags))
    group.notice_count += 1
    group.last_seen_at = at
    if notice.severity:
        group.severity = notice.severity
    return lines


def _alert_row(alert: Alert) -> dict[str, str]:
    return {"name": alert.name, "status": alert.status, "host": alert.host,
            "severity": alert.severity}  # fmt: skip


def _names(alerts: list[Alert], limit: int = 10) -> str:
    named = [f"{a.name} ({a.host})" if a.host else a.name for a in alerts[:limit]]
    more = f" and {len(alerts) - limit} more" if len(alerts) > limit else ""
    return ", ".join(named) + more


def _create(source: Source, notice: Notice, verdict: Verdict, at: datetime) -> Outcome:
    group = AlertGroup(
        source=source, key_hash=notice.key_hash, group_key=notice.group_key, is_open=True,
        title=notice.title[:255], severity=notice.severity, hosts=sorted(set(notice.hosts)),
        tags=sorted(set(verdict.tags)), alerts={a.key: _alert_row(a) for a in notice.alerts},
        truncated=notice.truncated, notice_count=1, first_seen_at=at, last_seen_at=at,
    )  # fmt: skip
    try:
        with transaction.atomic():
            group.save(force_insert=True)
    except IntegrityError:
        # Another sender opened this group a moment ago: this notice updates it instead.
        winner = _open_group(source, notice.key_hash, lock=True)
        if winner is None:
            raise Conflict("The alert group changed meanwhile; try again.") from None
        return _fire(source, notice, winner, verdict)
    chosen = route(source, notice)
    group.ticket = ticket_open(
        actor=SYSTEM, organization=chosen.organization, subject=notice.title[:255] or "Alert",
        body=_opening_body(source, notice, chosen, verdict), body_format=BodyFormat.PLAIN,
        channel=Channel.MONITORING, priority=chosen.priority, is_emergency=chosen.is_emergency,
        team=chosen.team,
    )  # fmt: skip
    _start_paging(group, at)
    group.save(update_fields=["ticket", "ack_due_at", "page_step"])
    where = "the NOC triage queue" if chosen.triage else chosen.organization.name
    return Outcome("created", group.ticket.reference, f"new alert group for {where}")


def _opening_body(source: Source, notice: Notice, chosen: Route, verdict: Verdict) -> str:
    lines = [
        notice.body or notice.title,
        "",
        f"Source: {source.name} ({source.get_kind_display()})",
    ]
    if notice.severity:
        lines.append(f"Severity: {notice.severity}")
    if notice.hosts:
        lines.append(f"Hosts: {', '.join(notice.hosts)}")
    if notice.host_groups:
        lines.append(f"Host groups: {', '.join(notice.host_groups)}")
    if notice.labels:
        lines.append("Labels: " + ", ".join(f"{k}={v}" for k, v in sorted(notice.labels.items())))
    firing = [a for a in notice.alerts if a.status == "firing"]
    lines.append(
        f"Alerts firing: {len(firing)}: {_names(firing)}" if firing else "Alerts: none firing"
    )
    if notice.truncated:
        lines.append(f"The monitoring system left out {notice.truncated} alert(s) of the group.")
    if verdict.tags:
        lines.append(f"Tags: {', '.join(verdict.tags)}")
    if chosen.triage:
        lines.append("No routing rule names an organization: triage needed.")
    return "\n".join(lines)


# The group's latest closed opening with its ticket, locked: read for every new group.
_LAST_CLOSED = CompiledQuery(
    lambda: (
        AlertGroup.objects.select_for_update(of=("self",))
        .filter(
            source_id=Param("source", AlertGroup._meta.get_field("source")),
            key_hash=Param("key_hash", AlertGroup._meta.get_field("key_hash")),
            is_open=False,
            ticket__isnull=False,
        )
        .select_related("ticket")
        .order_by(F("resolved_at").desc(nulls_last=True), "-id")[:1]
    )
)


def _reopen_recent(
    source: Source, notice: Notice, verdict: Verdict, at: datetime
) -> Outcome | None:
    """Flapping: the group's last ticket is taken up again when it resolved within the source's
    window (or was only noted as recovered and is still open)."""
    last = _LAST_CLOSED.first(
        router.db_for_write(AlertGroup), source=source.pk, key_hash=notice.key_hash
    )
    if last is None or last.ticket is None:
        return None
    ticket = last.ticket
    recent = last.resolved_at is not None and at - last.resolved_at <= timedelta(
        minutes=source.reopen_minutes
    )
    if not ticket.is_active and not recent:
        return None
    resolved_at = last.resolved_at
    last.is_open, last.resolved_at = True, None
    lines = _merge(last, notice, verdict, at)
    last.acknowledged_at, last.acknowledged_by, last.acknowledged_note = None, None, ""
    last.first_seen_at = at  # a new opening: its pages get new keys
    try:
        with transaction.atomic():
            _start_paging(last, at)
            last.save()
    except IntegrityError:
        winner = _open_group(source, notice.key_hash, lock=True)
        if winner is None:
            raise Conflict("The alert group changed meanwhile; try again.") from None
        return _fire(source, notice, winner, verdict)
    minutes = int((at - resolved_at).total_seconds() // 60) if resolved_at else 0
    reason = f"The alert group fires again{f' {minutes} min' if minutes else ''} after it resolved."
    if ticket.is_active:
        ticket_note(actor=SYSTEM, ticket=ticket, body="\n".join([reason, *lines]),
                    body_format=BodyFormat.PLAIN)  # fmt: skip
    else:
        last.ticket = ticket_reopen(actor=SYSTEM, ticket=ticket, reason=f"{reason} (flapping)")
    return Outcome("reopened", _ref_of(last), reason)


# ---- resolving and notes -----------------------------------------------------------------


def _resolve(source: Source, notice: Notice, group: AlertGroup) -> Outcome:
    at = now()
    for alert in notice.alerts:
        group.alerts[alert.key] = _alert_row(alert)
    for row in group.alerts.values():
        row["status"] = "resolved"
    group.is_open, group.resolved_at, group.ack_due_at = False, at, None
    group.notice_count += 1
    group.last_seen_at = at
    group.save()
    ticket = group.ticket
    if ticket is None:
        return Outcome("resolved", None, "the alert group recovered")
    summary = f"The monitoring system reports recovery: {notice.title}"
    details = notice.body if notice.body and notice.body != notice.title else ""
    ticket_note(actor=SYSTEM, ticket=ticket, body="\n".join(filter(None, [summary, details])),
                body_format=BodyFormat.PLAIN)  # fmt: skip
    if source.on_recovery == OnRecovery.RESOLVE and ticket.is_active:
        ticket_resolve(actor=SYSTEM, ticket=ticket, summary=summary)
        return Outcome("resolved", ticket.reference, "recovered: the ticket is resolved")
    return Outcome("resolved", ticket.reference, "recovered: noted on the ticket")


def _note(notice: Notice, group: AlertGroup) -> Outcome:
    """An acknowledgement or comment from the monitoring system: an internal note; an
    acknowledgement also stops the paging chain (someone is on it)."""
    who = f" by {notice.author}" if notice.author else ""
    what = "Acknowledged" if notice.note_kind is NoteKind.ACKNOWLEDGEMENT else "Comment"
    body = f"{what} in {group.source.get_kind_display()}{who}: {notice.note or notice.title}"
    group.notice_count += 1
    group.last_seen_at = now()
    if notice.note_kind is NoteKind.ACKNOWLEDGEMENT and group.acknowledged_at is None:
        group.acknowledged_at, group.ack_due_at = group.last_seen_at, None
        group.acknowledged_note = body[:300]
    group.save()
    if group.ticket is not None:
        ticket_note(actor=SYSTEM, ticket=group.ticket, body=body, body_format=BodyFormat.PLAIN)
    return Outcome("updated", _ref_of(group), body[:300])


# ---- paging and acknowledgement ----------------------------------------------------------


def _start_paging(group: AlertGroup, at: datetime) -> None:
    """Page the first person on duty now; the acknowledgement target starts (24x7)."""
    team_id = group.ticket.team_id if group.ticket else None
    policy = paging.policy_for(team_id)
    group.page_step = 0
    group.ack_due_at = at + timedelta(minutes=policy.ack_minutes)
    first = paging.page_at_step(group, 0, at, policy)
    if first is not None and group.pk:
        paging.send_page(group, first, 0, at)


def acknowledgements_sweep(*, at: datetime | None = None, limit: int = 200) -> int:
    """Page the next on duty for every group whose acknowledgement deadline passed. Each step
    is claimed by compare-and-set on (page_step, ack_due_at): any number of workers may run
    this, and each step pages once. Returns the steps taken."""
    at = at or now()
    due = (
        AlertGroup.objects.filter(is_open=True, acknowledged_at__isnull=True, ack_due_at__lte=at)
        .select_related("ticket", "source")
        .order_by("ack_due_at", "id")[:limit]
    )
    taken = 0
    for group in due:
        taken += _step(group, at)
    return taken


def _step(group: AlertGroup, at: datetime) -> int:
    step = group.page_step + 1
    page = paging.page_at_step(group, step, at)
    deadline = paging.next_deadline(group, step, at) if page is not None else None
    with transaction.atomic():
        won = AlertGroup.objects.filter(
            pk=group.pk, page_step=group.page_step, ack_due_at=group.ack_due_at,
            acknowledged_at__isnull=True, is_open=True,
        ).update(page_step=step, ack_due_at=deadline)  # fmt: skip
        if not won:
            return 0
        group.page_step, group.ack_due_at = step, deadline
        if page is not None:
            paging.send_page(group, page, step, at)
        if group.ticket is not None:
            ticket_note(actor=SYSTEM, ticket=group.ticket, body=_step_note(page),
                        body_format=BodyFormat.PLAIN)  # fmt: skip
    return 1


def _step_note(page: paging.Page | None) -> str:
    missed = "Nobody acknowledged the alert in time"
    if page is None:
        return f"{missed}; nobody else is on duty to page."
    if page.outside:
        return f"{missed}: escalated to the outside party {page.to}."
    return f"{missed}: paged the next on duty, {page.name}."


def alert_acknowledge(*, actor: Any, group: AlertGroup, note: str = "") -> AlertGroup:
    """Someone acts on the alert: the paging chain stops (compare-and-set: once)."""
    if not policies.can(actor, policies.ACKNOWLEDGE, group):
        raise NotFound("No such alert.")
    at = now()
    name = str(getattr(actor, "display_name", "") or getattr(actor, "username", ""))
    with transaction.atomic():
        won = AlertGroup.objects.filter(pk=group.pk, acknowledged_at__isnull=True).update(
            acknowledged_at=at, acknowledged_by=actor, ack_due_at=None,
            acknowledged_note=note.strip()[:300],
        )  # fmt: skip
        if not won:
            return group
        group.acknowledged_at, group.acknowledged_by, group.ack_due_at = at, actor, None
        body = f"Alert acknowledged by {name}." + (f" {note.strip()}" if note.strip() else "")
        if group.ticket is not None:
            ticket_note(actor=actor, ticket=group.ticket, body=body, body_format=BodyFormat.PLAIN)
    return group


# Event kinds by which an agent shows they act on a ticket (a reply to the page mail arrives
# as one of these): they acknowledge the alert.
ACKNOWLEDGING_KINDS = frozenset(
    {EventKind.REPLIED, EventKind.NOTED, EventKind.ASSIGNED, EventKind.ESCALATED}
)


def may_acknowledge(*, kind: str, data: dict[str, Any], **_: Any) -> bool:
    """The cheap predicate of the ``tickets.event_recorded`` subscription."""
    if kind == EventKind.REPLIED:
        return bool(data.get("by_agent"))
    return kind in ACKNOWLEDGING_KINDS


def acknowledge_on_agent_event(*, event_id: int, ticket_id: int, **_: Any) -> None:
    """A person (not Tierdesk) wrote on a monitoring ticket whose alert waits for an
    acknowledgement: that counts as one. One small query for every note, reply and
    assignment (Tierdesk's own notes in a storm among them: no actor, nothing found)."""
    waiting = _WAITING_FOR_PERSON.first(
        router.db_for_read(AlertGroup), ticket=ticket_id, event=event_id
    )
    if waiting is None:
        return
    group = AlertGroup.objects.select_related("ticket", "source").filter(pk=waiting.pk).first()
    if group is None or group.ticket is None:
        return
    from_event = group.ticket.events.filter(pk=event_id).select_related("actor").first()
    actor = from_event.actor if from_event is not None else None
    if actor is None or not principal_of(actor).is_agent:
        return
    try:
        alert_acknowledge(actor=actor, group=group)
    except (NotFound, Conflict):
        log.info("alert group %s: acknowledgement by event %s not taken", group.pk, event_id)


# The open, unacknowledged group of a ticket whose event has a person as its actor.
_WAITING_FOR_PERSON = CompiledQuery(
    lambda: (
        AlertGroup.objects.filter(
            ticket_id=Param("ticket", AlertGroup._meta.get_field("ticket")),
            is_open=True,
            acknowledged_at__isnull=True,
            ticket__events__pk=Param("event", TicketEvent._meta.pk),
            ticket__events__actor__isnull=False,
        )
        .only("id")
        .order_by()[:1]
    )
)


# ---- sources -----------------------------------------------------------------------------


def source_create(
    *, actor: Any, name: str, slug: str, kind: str, **fields: Any
) -> tuple[Source, str]:
    """A new source and its token (shown once; only its hash is kept)."""
    _check_admin(actor)
    if kind not in SourceKind.values:
        raise InvalidInput(f"kind must be one of {', '.join(SourceKind.values)}.", field="kind")
    if not slug.strip():
        raise InvalidInput("A source needs a slug (its URL name).", field="slug")
    if Source.objects.filter(slug=slug).exists():
        raise InvalidInput(f"A source named {slug!r} exists.", field="slug")
    source = Source(name=name or slug, slug=slug, kind=kind, **fields)
    raw = new_token()
    source.token_hash, source.token_hint = hash_token(raw), raw[:8]
    source.save()
    return source, raw


def source_rotate_token(*, actor: Any, source: Source) -> str:
    _check_admin(actor)
    raw = new_token()
    Source.objects.filter(pk=source.pk).update(token_hash=hash_token(raw), token_hint=raw[:8])
    source.token_hash, source.token_hint = hash_token(raw), raw[:8]
    return raw


def new_token() -> str:
    return "tdm_" + secrets.token_urlsafe(32)


def _check_admin(actor: Any) -> None:
    if actor is not SYSTEM and not getattr(actor, "is_superuser", False):
        raise Forbidden("Only administrators configure monitoring sources.")
