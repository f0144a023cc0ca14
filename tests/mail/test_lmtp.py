"""An MTA delivering to the LMTP and SMTP listeners: stored, answered 250, taken once."""

from __future__ import annotations

import smtplib
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import OperationalError

from tests.mail.conftest import corpus, free_port
from tests.mail.test_batch import numbered
from tierdesk.mail import batch, lmtp
from tierdesk.mail.lmtp import IntakeController
from tierdesk.mail.models import InboundMessage
from tierdesk.tickets.models import Ticket

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("mailbox"),
]


@pytest.fixture
def controller(request):
    lmtp = getattr(request, "param", True)
    controller = IntakeController(host="127.0.0.1", port=free_port(), lmtp=lmtp)
    controller.start()
    yield controller
    controller.stop()


@pytest.fixture
def listener(controller):
    return controller.port


class HeldIntake:
    """``mail_ingest_batch`` as the listener calls it, noting each batch's size; the first
    batch is held until ``queued`` deliveries wait behind it, so that they go together."""

    def __init__(self, controller: IntakeController):
        self.controller = controller
        self.sizes: list[int] = []
        self.queued = 0
        self.entered = threading.Event()

    def __call__(self, deliveries: Any, **kwargs: Any) -> Any:
        if not self.sizes:
            self.entered.set()
            self._wait_for_queue()
        self.sizes.append(len(deliveries))
        return batch.mail_ingest_batch(deliveries, **kwargs)

    def _wait_for_queue(self) -> None:
        # Bounded, so that a bug fails the test's assertions instead of hanging it.
        deadline = time.monotonic() + 10
        while self.controller.ingester.backlog() < self.queued and time.monotonic() < deadline:
            time.sleep(0.005)


@pytest.fixture
def held(controller, monkeypatch):
    spy = HeldIntake(controller)
    monkeypatch.setattr(lmtp, "mail_ingest_batch", spy)
    return spy


def deliver(port: int, raw: bytes) -> tuple[int, str]:
    """One delivery over a connection of its own, as an MTA's LMTP client makes it."""
    with smtplib.LMTP("127.0.0.1", port) as client:
        client.ehlo_or_helo_if_needed()
        client.mail("acme_contact@example.test")
        client.rcpt("support@northwind.test")
        code, text = client.data(raw)
    return code, text.decode()


def deliver_at_once(port: int, raws: list[bytes]) -> list[tuple[int, str]]:
    """Each message over its own connection, all at the same time; the answers in order."""
    with ThreadPoolExecutor(len(raws)) as pool:
        return list(pool.map(lambda raw: deliver(port, raw), raws))


def deliver_behind_a_held_batch(held: HeldIntake, port: int, raws: list[bytes]) -> Any:
    """A first message opens a batch that is held; ``raws`` arrive meanwhile, all at once."""
    held.queued = len(raws)
    with ThreadPoolExecutor(1) as first:
        opener = first.submit(deliver, port, numbered(corpus("thunderbird_plain.eml"), 0))
        held.entered.wait(10)
        answers = deliver_at_once(port, raws)
        return opener.result(), answers


def test_an_lmtp_delivery_opens_a_ticket_and_answers_once_per_recipient(
    world, smtp_sink, listener, emergency_box
):
    with smtplib.LMTP("127.0.0.1", listener) as client:
        client.ehlo_or_helo_if_needed()
        client.mail("acme_contact@example.test")
        client.rcpt("support@northwind.test")
        client.rcpt("emergency@northwind.test")
        # LMTP answers DATA once per recipient (smtplib reads only the first by itself).
        replies = [client.data(corpus("thunderbird_plain.eml")), client.getreply()]

    assert [code for code, _text in replies] == [250, 250]
    ticket = Ticket.objects.get()
    assert ticket.is_emergency  # delivered to the emergency address too
    assert InboundMessage.objects.get().source.startswith("lmtp:")
    assert [m["To"] for m in smtp_sink.messages] == ["acme_contact@example.test"]


@pytest.mark.parametrize("controller", [False], indirect=True)
def test_the_same_message_delivered_twice_over_smtp_makes_one_ticket(world, smtp_sink, listener):
    raw = corpus("thunderbird_plain.eml")
    for _ in range(2):
        with smtplib.SMTP("127.0.0.1", listener) as client:
            client.sendmail("acme_contact@example.test", ["support@northwind.test"], raw)

    assert Ticket.objects.count() == 1
    assert InboundMessage.objects.get().action == "created"
    assert len(smtp_sink.messages) == 1


def test_a_message_over_the_limit_is_refused_by_the_listener(world, settings, smtp_sink, request):
    settings.TIERDESK_MAIL_MAX_BYTES = 2000
    port = free_port()
    controller = IntakeController(host="127.0.0.1", port=port, lmtp=False)
    controller.start()
    request.addfinalizer(controller.stop)

    with smtplib.SMTP("127.0.0.1", port) as client, pytest.raises(smtplib.SMTPException):
        client.sendmail(
            "a@acme.test", ["support@northwind.test"], b"Subject: x\r\n\r\n" + b"y" * 5000
        )
    assert InboundMessage.objects.count() == 0


def test_deliveries_arriving_during_a_batch_go_together_each_answered_with_its_own_ticket(
    world, smtp_sink, listener, held
):
    raws = [numbered(corpus("thunderbird_plain.eml"), number) for number in range(1, 7)]

    opener, answers = deliver_behind_a_held_batch(held, listener, raws)

    assert held.sizes == [1, 6]  # the six waited for one batch, not for six commits
    assert opener[0] == 250 and [code for code, _text in answers] == [250] * 6
    for number, (_code, text) in enumerate(answers, 1):
        inbound = InboundMessage.objects.get(message_id__startswith=f"n{number}-")
        assert text == f"2.0.0 created {inbound.ticket.reference}"
    assert Ticket.objects.count() == 7
    assert len(smtp_sink.messages) == 7  # each sender acknowledged once


def test_the_same_message_over_two_connections_at_once_makes_one_ticket(
    world, smtp_sink, listener, held
):
    raw = numbered(corpus("thunderbird_plain.eml"), 1)

    _opener, answers = deliver_behind_a_held_batch(held, listener, [raw, raw])

    assert held.sizes == [1, 2]
    reference = InboundMessage.objects.get(message_id__startswith="n1-").ticket.reference
    assert sorted(text for _code, text in answers) == [
        f"2.0.0 created {reference}",
        f"2.0.0 duplicate {reference}",
    ]
    assert Ticket.objects.count() == 2
    assert len(smtp_sink.messages) == 2


def test_concurrent_connections_with_no_batch_held_are_all_stored_and_answered(
    world, smtp_sink, listener
):
    raws = [numbered(corpus("thunderbird_plain.eml"), number) for number in range(1, 13)]

    answers = deliver_at_once(listener, raws)

    assert [code for code, _text in answers] == [250] * 12
    references = {text.split()[-1] for _code, text in answers}
    assert references == {ticket.reference for ticket in Ticket.objects.all()}
    assert len(references) == 12
    assert InboundMessage.objects.filter(status="processed", action="created").count() == 12


def test_a_batch_that_cannot_be_stored_answers_451_to_each_and_the_retry_is_taken(
    world, smtp_sink, listener, monkeypatch, caplog
):
    raws = [numbered(corpus("thunderbird_plain.eml"), number) for number in range(1, 5)]
    real_insert_rows = batch.insert_rows

    def database_down(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("the database is down")

    monkeypatch.setattr(batch, "insert_rows", database_down)
    answers = deliver_at_once(listener, raws)

    assert [code for code, _text in answers] == [451] * 4
    assert InboundMessage.objects.count() == 0
    logged = [r for r in caplog.records if r.name == lmtp.__name__ and r.exc_info]
    assert logged and "the database is down" in str(logged[0].exc_info[1])

    # The MTA kept the messages and delivers them again once the database is back.
    monkeypatch.setattr(batch, "insert_rows", real_insert_rows)
    again = deliver_at_once(listener, raws)

    assert [code for code, _text in again] == [250] * 4
    assert Ticket.objects.count() == 4


def test_a_batch_stored_but_not_processed_answers_451_and_the_retry_processes_it(
    world, smtp_sink, listener, monkeypatch
):
    raw = numbered(corpus("thunderbird_plain.eml"), 1)
    real_process = batch._process

    def commit_fails(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("the connection broke at COMMIT")

    monkeypatch.setattr(batch, "_process", commit_fails)
    assert deliver(listener, raw)[0] == 451
    # Stored, so nothing is lost even if the MTA gave up; not yet a ticket.
    assert InboundMessage.objects.get().status == "received"
    assert Ticket.objects.count() == 0

    monkeypatch.setattr(batch, "_process", real_process)
    code, text = deliver(listener, raw)

    assert code == 250 and text.startswith("2.0.0 created ")
    assert InboundMessage.objects.get().status == "processed"
    assert Ticket.objects.count() == 1


def test_stopping_the_listener_ends_its_intake_thread(world, smtp_sink):
    controller = IntakeController(host="127.0.0.1", port=free_port())
    controller.start()
    assert deliver(controller.port, corpus("thunderbird_plain.eml"))[0] == 250

    controller.stop()

    assert not [t for t in threading.enumerate() if t.name == "lmtp-intake"]
