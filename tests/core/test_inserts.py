"""The insert fast path (``core.inserts``) writes rows the way ``save()`` would only for models
whose ``save()`` is Django's own and that nobody listens to on save: every model that goes
through it is checked here, and the path itself refuses any other at run time."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.db import models
from django.db.models.signals import post_save, pre_save
from django.utils import timezone

import tierdesk
from tierdesk.core.inserts import UnsafeInsert, insert, insert_rows, insert_values, refuse_unsafe
from tierdesk.mail.models import InboundMessage, OutboundMail
from tierdesk.tickets import services
from tierdesk.tickets.models import Attachment, Message, Ticket, TicketEvent

# Every model whose rows the fast path writes (insert, insert_rows, and the one-statement
# builders' insert_sql / insert_values / insert_selecting).
FAST_PATH_MODELS = [Ticket, Message, TicketEvent, Attachment, OutboundMail, InboundMessage]
SOURCE = Path(tierdesk.__file__).parent
BUILDERS = {"insert_sql", "insert_selecting"}


@pytest.mark.parametrize("model", FAST_PATH_MODELS, ids=lambda m: m.__name__)
def test_each_model_on_the_fast_path_saves_as_django_does_and_has_no_save_receivers(model):
    assert model.save is models.Model.save
    assert not pre_save.has_listeners(model)
    assert not post_save.has_listeners(model)
    refuse_unsafe(model)


def test_the_builders_name_only_models_checked_here():
    """A model class named in a statement builder anywhere in the code is in the list above."""
    checked = {model.__name__ for model in FAST_PATH_MODELS}
    named = set()
    for path in SOURCE.rglob("*.py"):
        if path == SOURCE / "core" / "inserts.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            builder = isinstance(node, ast.Call) and getattr(node.func, "id", None) in BUILDERS
            if builder and node.args and isinstance(node.args[0], ast.Name):  # type: ignore[attr-defined]
                named.add(node.args[0].id)  # type: ignore[attr-defined]
    assert named and named <= checked, named - checked


def _noted(**kwargs: object) -> None:
    pass


def test_a_receiver_connected_at_run_time_stops_the_fast_path(world):
    event = TicketEvent(kind="noted", at=timezone.now())
    post_save.connect(_noted, sender=TicketEvent, dispatch_uid="test-fast-path")
    try:
        with pytest.raises(UnsafeInsert):
            insert(event)
        with pytest.raises(UnsafeInsert):
            insert_rows([event])
        with pytest.raises(UnsafeInsert):
            insert_values(event, None)  # type: ignore[arg-type]
    finally:
        post_save.disconnect(_noted, sender=TicketEvent, dispatch_uid="test-fast-path")
    refuse_unsafe(TicketEvent)


def test_a_model_with_its_own_save_is_refused():
    class Saving(TicketEvent):
        class Meta:
            proxy = True
            app_label = "tickets"

        def save(self, *args: object, **kwargs: object) -> None:
            raise AssertionError("never called by the fast path")

    with pytest.raises(UnsafeInsert, match="overrides save"):
        refuse_unsafe(Saving)


# ---- the same rows as Django's own INSERTs ----------------------------------------------------


def _rows(model, pks) -> list[dict]:
    found = list(model.objects.filter(pk__in=pks).order_by("pk").values())
    for row in found:
        row.pop("id")
    return found


AT = timezone.now()


def _event(ticket, n: int, tag: str) -> TicketEvent:
    return TicketEvent(ticket=ticket, kind="noted", data={"n": n, "é": [1, None]}, at=AT)


def _message(ticket, n: int, tag: str) -> Message:
    body = f"Line {n}\n\nwith *markdown* and ünïcode"
    return Message(ticket=ticket, body=body, body_html="<p>x</p>", created_at=AT)


def _inbound(ticket, n: int, tag: str) -> InboundMessage:
    return InboundMessage(
        key=f"key-{n}-{tag}-{ticket.pk}", source="test", raw=b"\x00\xffraw", size=5,
        sha256="0" * 64, subject=f"s{n}", ticket=ticket, received_at=AT,
    )  # fmt: skip


def _outbound(ticket, n: int, tag: str) -> OutboundMail:
    return OutboundMail(
        dedupe_key=f"d-{n}-{tag}-{ticket.pk}", kind="reply", ticket=ticket,
        to_address="a@example.test", from_address="s@example.test", subject=f"s{n}", body="b",
        message_id=f"m-{n}-{tag}-{ticket.pk}", created_at=AT,
    )  # fmt: skip


MAKERS = [_event, _message, _inbound, _outbound]


@pytest.mark.parametrize("make", MAKERS, ids=lambda make: make.__name__.strip("_"))
def test_insert_writes_the_row_save_writes(world, make):
    ticket = services.ticket_open(actor=world.l1, organization=world.acme, subject="s", body="b")
    fast, orm = make(ticket, 1, "fast"), make(ticket, 1, "orm")
    insert(fast)
    orm.save(force_insert=True)
    assert fast.pk and fast._state.adding is False and fast._state.db == orm._state.db
    [stored_fast], [stored_orm] = _rows(type(fast), [fast.pk]), _rows(type(orm), [orm.pk])
    assert _same_but_keys(stored_fast, stored_orm)


@pytest.mark.parametrize("make", MAKERS, ids=lambda make: make.__name__.strip("_"))
def test_insert_rows_writes_the_rows_bulk_create_writes(world, make):
    ticket = services.ticket_open(actor=world.l1, organization=world.acme, subject="s", body="b")
    fast = [make(ticket, n, "fast") for n in range(3)]
    orm = [make(ticket, n, "orm") for n in range(3)]
    insert_rows(fast)
    type(orm[0]).objects.bulk_create(orm)
    assert [row.pk for row in fast] == sorted(row.pk for row in fast)  # in VALUES order
    stored_fast = _rows(type(fast[0]), [row.pk for row in fast])
    stored_orm = _rows(type(orm[0]), [row.pk for row in orm])
    assert all(_same_but_keys(a, b) for a, b in zip(stored_fast, stored_orm, strict=True))


def test_insert_rows_leaves_out_a_row_clashing_on_a_unique_key(world):
    ticket = services.ticket_open(actor=world.l1, organization=world.acme, subject="s", body="b")
    insert_rows([_inbound(ticket, 1, "x")])
    insert_rows([_inbound(ticket, 1, "x"), _inbound(ticket, 2, "x")], ignore_conflicts=True)
    keys = InboundMessage.objects.filter(ticket=ticket).values_list("key", flat=True)
    assert sorted(keys) == [f"key-1-x-{ticket.pk}", f"key-2-x-{ticket.pk}"]


def _same_but_keys(fast: dict, orm: dict) -> bool:
    """Equal but for the unique keys the makers tag."""
    keys = {"key", "dedupe_key", "message_id"}
    return {k: v for k, v in fast.items() if k not in keys} == {
        k: v for k, v in orm.items() if k not in keys
    } and fast.keys() == orm.keys()
