"""Searching tickets, as agents and contacts notice it, on whichever engine the database has.

These tests commit for real (``transaction=True``): the services index a ticket on commit, and
that is the moment under test. ``serialized_rollback`` puts the seeded rows back afterwards.
"""

from __future__ import annotations

import pytest
from django.db import transaction

from tierdesk.core import search
from tierdesk.tickets import services
from tierdesk.tickets.models import Ticket, TicketSearchDocument
from tierdesk.tickets.selectors import TicketFilters, ticket_list

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def found(user, query):
    """The subjects of the tickets ``user`` finds with ``query``, as the ticket list shows them."""
    return {t.subject for t in ticket_list(user=user, filters=TicketFilters(q=query))}


def open_ticket(world, subject="Printer jams on page two", body="It jams every morning.", **kw):
    kw.setdefault("actor", world.acme_contact)
    kw.setdefault("organization", world.acme)
    return services.ticket_open(subject=subject, body=body, **kw)


def test_a_ticket_is_found_by_a_word_of_its_subject(world):
    open_ticket(world, subject="Printer jams on page two")
    assert found(world.acme_contact, "printer") == {"Printer jams on page two"}
    assert found(world.l1, "PRINTER jams") == {"Printer jams on page two"}


def test_a_ticket_is_found_by_a_word_of_a_later_reply_once_the_reply_returns(world):
    ticket = open_ticket(world)
    assert found(world.acme_contact, "firmware") == set()
    services.ticket_reply(actor=world.l1, ticket=ticket, body="Please update the firmware.")
    assert found(world.acme_contact, "firmware") == {ticket.subject}
    assert found(world.l1, "firmware printer") == {ticket.subject}


def test_changes_of_a_unit_of_work_are_findable_once_it_finishes(world):
    ticket = open_ticket(world)
    other = open_ticket(world, subject="Scanner is slow")
    with transaction.atomic():
        work = services.UnitOfWork()
        services.ticket_reply(
            actor=world.l1, ticket=ticket, body="Please update the firmware.", work=work
        )
        services.ticket_note(actor=world.l1, ticket=other, body="Firmware bug, known.", work=work)
        assert found(world.l1, "firmware") == set()  # written once, at the end
        work.finish()
    assert found(world.l1, "firmware") == {ticket.subject, other.subject}
    assert found(world.acme_contact, "firmware") == {ticket.subject}


def test_every_word_of_the_query_must_occur_somewhere_in_the_ticket(world):
    ticket = open_ticket(world, subject="Printer jams", body="Tray two is empty.")
    services.ticket_reply(actor=world.l1, ticket=ticket, body="Which firmware?")
    assert found(world.acme_contact, "printer tray firmware") == {"Printer jams"}
    assert found(world.acme_contact, "printer scanner") == set()


def test_a_renamed_ticket_is_found_by_its_new_subject_only(world):
    ticket = open_ticket(world, subject="Printer jams")
    services.ticket_update(actor=world.l1, ticket=ticket, subject="Scanner jams")
    assert found(world.l1, "scanner") == {"Scanner jams"}
    assert found(world.l1, "printer") == set()


def test_a_contact_does_not_find_a_ticket_by_a_word_only_in_an_internal_note(world):
    ticket = open_ticket(world)
    services.ticket_note(actor=world.l1, ticket=ticket, body="Known bug in driver quokka.")
    assert found(world.acme_contact, "quokka") == set()
    assert found(world.acme_contact, "printer quokka") == set()


def test_an_agent_finds_a_ticket_by_words_of_its_internal_notes_and_replies_together(world):
    ticket = open_ticket(world)
    services.ticket_note(actor=world.l1, ticket=ticket, body="Known bug in driver quokka.")
    assert found(world.l1, "quokka") == {ticket.subject}
    assert found(world.l1, "printer quokka") == {ticket.subject}


def test_a_contact_of_another_customer_never_finds_the_ticket_even_with_matching_words(world):
    open_ticket(world, subject="Printer jams at Acme")
    services.ticket_open(
        actor=world.globex_contact, organization=world.globex, subject="Printer jams at Globex",
        body="Same here.",
    )  # fmt: skip
    assert found(world.globex_contact, "printer jams") == {"Printer jams at Globex"}
    assert found(world.globex_contact, "acme") == set()
    assert found(world.manager, "printer jams") == {
        "Printer jams at Acme",
        "Printer jams at Globex",
    }


@pytest.mark.parametrize(
    "query",
    ['"printer', 'printer"', '"printer"', "printer*", "*printer", "(printer", "printer)",
     "-printer", "+printer", "^printer", "printer:", "{printer}", "printer'", "'printer'",
     'printer """', "printer\\", "printer;", "printer %", "printer _", "printer\x00",
     "printer -jams", "printer & jams", "printer | jams", "!printer", "printer <-> jams",
     "printer:*", "printer:* & !jams"],
)  # fmt: skip
def test_query_syntax_characters_are_ignored(world, query):
    """Quotes, prefix stars, minus, colons and tsquery operators only separate words."""
    open_ticket(world, subject="Printer jams")
    assert found(world.acme_contact, query) == {"Printer jams"}


@pytest.mark.parametrize(
    "query",
    ["printer OR scanner", "printer NEAR scanner", "NEAR(printer scanner)", "printer AND",
     "NOT printer", "subject:printer", "public:printer", "internal:quokka", "'printer':A",
     "{public internal}: printer", "ticket_id:1", "printer OR"],
)  # fmt: skip
def test_search_operators_are_plain_words_not_syntax(world, query):
    """OR, NEAR, NOT, column filters and tsquery operators are words: every one must occur."""
    ticket = open_ticket(world, subject="Printer jams")
    services.ticket_note(actor=world.l1, ticket=ticket, body="quokka")
    assert found(world.acme_contact, query) == set()
    assert found(world.l1, query) == set()


def test_a_word_that_is_an_operator_elsewhere_is_found_like_any_word(world):
    open_ticket(world, subject="Scanner is NOT working", body="Printer or scanner, both.")
    assert found(world.acme_contact, "not working") == {"Scanner is NOT working"}
    assert found(world.acme_contact, "printer OR scanner") == {"Scanner is NOT working"}


@pytest.mark.parametrize("query", ["   ", "\t\n", "?!", '"', '""', "()", "*", "-", ":", "_"])
def test_a_query_without_words_finds_nothing(world, query):
    open_ticket(world)
    assert found(world.manager, query) == set()


def test_an_empty_query_finds_nothing_while_no_query_lists_everything(world):
    ticket = open_ticket(world)
    assert not search.filter_matching(Ticket.objects.all(), "", include_internal=True).exists()
    assert list(ticket_list(user=world.manager, filters=TicketFilters(q=None))) == [ticket]


def test_the_callers_order_is_kept(world):
    first = open_ticket(world, subject="Printer one")
    second = open_ticket(world, subject="Printer two")
    newest_first = Ticket.objects.order_by("-id")
    matches = search.filter_matching(newest_first, "printer", include_internal=True)
    assert list(matches) == [second, first]


def test_rebuilding_the_index_reproduces_the_same_results(world):
    first = open_ticket(world, subject="Printer jams")
    services.ticket_reply(actor=world.l1, ticket=first, body="Update the firmware.")
    services.ticket_note(actor=world.l1, ticket=first, body="Driver quokka.")
    open_ticket(world, subject="Scanner jams", body="Firmware 7.1 installed.")
    queries = ["jams", "firmware", "quokka", "printer firmware", "scanner quokka"]
    before = {(user, q): found(world.persona(user), q) for user in ("acme_contact", "l1")
              for q in queries}  # fmt: skip
    TicketSearchDocument.objects.all().delete()
    assert found(world.l1, "jams") == set()

    assert search.rebuild_index(batch_size=1) == 2

    after = {(user, q): found(world.persona(user), q) for user in ("acme_contact", "l1")
             for q in queries}  # fmt: skip
    assert after == before
    assert before[("l1", "quokka")] == {"Printer jams"}
    assert before[("acme_contact", "quokka")] == set()


def test_rebuilding_drops_the_documents_of_deleted_tickets(world):
    kept = open_ticket(world, subject="Printer kept")
    gone = open_ticket(world, subject="Printer gone")
    Ticket.objects.filter(pk=gone.pk).delete()
    progress = []
    assert search.rebuild_index(progress=lambda done, total: progress.append((done, total))) == 1
    assert progress[-1] == (1, 1)
    assert found(world.manager, "printer") == {kept.subject}
    assert TicketSearchDocument.objects.count() == 1


def test_the_start_of_a_word_finds_the_whole_word(world):
    """What a person types is often a word half written: each term matches as a prefix."""
    open_ticket(world, subject="Printer jams", body="The firmware 7.1 upgrade failed.")
    assert found(world.acme_contact, "prin") == {"Printer jams"}
    assert found(world.acme_contact, "prin firm") == {"Printer jams"}
    assert found(world.l1, "PRI JA") == {"Printer jams"}
    assert found(world.acme_contact, "printers") == set()  # a prefix, not a stem
    assert found(world.acme_contact, "rinter") == set()  # the start of a word, not any part


def test_a_one_letter_term_matches_whole_words_only(world):
    open_ticket(world, subject="Printer jams", body="Tray B is empty.")
    assert found(world.acme_contact, "p") == set()
    assert found(world.acme_contact, "b tray") == {"Printer jams"}


def test_prefixes_find_closed_tickets_too(world):
    ticket = open_ticket(world, subject="Scanner calibration")
    services.ticket_resolve(actor=world.l1, ticket=ticket, summary="Calibrated.")
    services.ticket_close(actor=world.acme_contact, ticket=ticket)
    assert found(world.l1, "calib") == {"Scanner calibration"}


@pytest.mark.parametrize("query", ["prin'", "prin\\", "'prin", "pr'in", "prin:*", "prin & !x"])
def test_quotes_and_backslashes_in_a_prefix_are_never_syntax(world, query):
    open_ticket(world, subject="Printer jams")
    found(world.acme_contact, query)  # no error, whatever it matches
    assert found(world.acme_contact, "prin") == {"Printer jams"}
