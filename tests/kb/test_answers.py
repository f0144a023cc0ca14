"""Answers before a ticket: suggestions in the portal's new-ticket form, "This solved my
problem", the desk composer's article search and link, "Was this helpful?", and the statistics
each article shows to agents."""

from __future__ import annotations

from django.test import Client

from tests.kb.conftest import publish
from tierdesk.kb.models import Article, Deflection, Feedback, TicketArticle
from tierdesk.kb.selectors import article_search
from tierdesk.kb.services import article_create
from tierdesk.tickets.models import Ticket


def _as(user=None):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _write(kb, title, body, visibility="public"):
    return publish(
        article_create(
            actor=kb.author, section=kb.section, title=title, body=body, visibility=visibility
        )
    )


def test_the_new_ticket_form_suggests_articles_as_the_contact_types(world, kb):
    article = _write(kb, "Phones do not enroll", "Check the enrollment profile.", "customers")
    secret = _write(kb, "Enrollment server internals", "Enroll phones by hand.", "internal")
    form = _as(world.acme_contact).get("/tickets/new/").content.decode()
    assert 'id="kb-suggestions"' in form and 'hx-get="/kb/suggest/"' in form
    box = (
        _as(world.acme_contact)
        .get("/kb/suggest/", {"subject": "phone won't enroll", "body": "since the update"})
        .content.decode()
    )
    assert f"/kb/articles/{article.slug}/" in box and "This solved my problem" in box
    assert secret.slug not in box  # internal: never to a contact
    assert _as().get("/kb/suggest/", {"subject": "enroll"}).content.decode().count("<li") == 0


def test_suggestions_are_at_most_five(world, kb):
    for n in range(8):
        _write(kb, f"Backup question {n}", "Backups.")
    box = _as(world.acme_contact).get("/kb/suggest/", {"subject": "backup"}).content.decode()
    assert box.count("This solved my problem") == 5


def test_this_solved_my_problem_counts_a_deflection_and_opens_no_ticket(world, kb):
    article = _write(kb, "Printer offline", "Restart the spooler.", "customers")
    tickets = Ticket.objects.count()
    client = _as(world.acme_contact)
    response = client.post(
        f"/kb/articles/{article.slug}/solved/", {"q": "printer is offline"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and "no ticket was opened" in response.content.decode()
    assert Ticket.objects.count() == tickets
    article.refresh_from_db()
    assert article.deflection_count == 1
    assert Deflection.objects.get().query == "printer is offline"


def test_a_deflected_question_helps_the_next_one_find_the_article(world, kb):
    article = _write(kb, "Restarting the spooler", "Run the service again.")
    assert article.slug not in [a.slug for a in article_search(user=None, q="labels jammed")]
    _as(world.acme_contact).post(f"/kb/articles/{article.slug}/solved/", {"q": "labels jammed"})
    assert [a.slug for a in article_search(user=None, q="labels jammed")] == [article.slug]


def test_nobody_deflects_with_an_article_they_may_not_read(world, kb):
    secret = kb.published["internal"]
    assert _as(world.acme_contact).post(f"/kb/articles/{secret.slug}/solved/").status_code == 404
    assert _as().post(f"/kb/articles/{kb.draft.slug}/solved/").status_code == 404
    assert not Deflection.objects.exists()


def test_was_this_helpful_records_yes_or_no_with_a_comment(world, kb):
    article = kb.published["public"]
    page = _as().get(f"/kb/articles/{article.slug}/").content.decode()
    assert "Was this helpful?" in page
    _as().post(f"/kb/articles/{article.slug}/feedback/yes/")
    response = _as(world.acme_contact).post(
        f"/kb/articles/{article.slug}/feedback/no/",
        {"comment": "Step 2 is unclear."}, HTTP_HX_REQUEST="true",
    )  # fmt: skip
    assert "Thank you" in response.content.decode()
    bad = _as().post(f"/kb/articles/{article.slug}/feedback/maybe/")
    assert bad.status_code == 404 and Feedback.objects.count() == 2
    too_long = _as().post(f"/kb/articles/{article.slug}/feedback/no/", {"comment": "x" * 2001})
    assert too_long.status_code == 400 and Feedback.objects.count() == 2
    article.refresh_from_db()
    assert (article.helpful_yes, article.helpful_no) == (1, 1)
    assert Feedback.objects.get(helpful=False).comment == "Step 2 is unclear."


def test_the_composer_finds_an_article_and_inserts_its_link(world, kb, desk):
    article = _write(kb, "Enrolling phones", "Open the enrollment profile.")
    agent = _as(world.l1)
    ticket_page = agent.get(f"/desk/tickets/{desk.acme.reference}/").content.decode()
    assert 'id="kb-compose"' in ticket_page
    found = agent.get(
        "/desk/kb/compose/", {"ticket": desk.acme.reference, "kb_q": "enroll"}
    ).content.decode()
    assert f'data-kb-insert="{article.slug}"' in found
    inserted = agent.post(
        "/desk/kb/compose/insert/",
        {"ticket": desk.acme.reference, "article": article.slug, "body": "Hello,"},
    ).content.decode()
    assert (
        f"Hello,\n\n[Enrolling phones](http://testserver/kb/articles/{article.slug}/)" in inserted
    )
    assert TicketArticle.objects.get().ticket == desk.acme
    agent.post("/desk/kb/compose/insert/", {"ticket": desk.acme.reference, "article": article.slug})
    article.refresh_from_db()
    assert article.ticket_count == 1  # sent twice, recorded once
    stats = agent.get(f"/desk/kb/articles/{article.slug}/").content.decode()
    assert desk.acme.reference in stats


def test_the_composer_is_for_agents_on_tickets_they_see(world, kb, desk):
    article = kb.published["public"]
    outsider = _as(world.partner_agent)  # Bluebird never sees Acme's ticket
    data = {"ticket": desk.acme.reference, "article": article.slug}
    assert outsider.post("/desk/kb/compose/insert/", data).status_code == 404
    assert _as(world.acme_contact).post("/desk/kb/compose/insert/", data).status_code == 404
    assert outsider.get("/desk/kb/compose/", {"ticket": desk.acme.reference}).status_code == 404
    assert not TicketArticle.objects.exists()


def test_an_article_shows_agents_its_views_helpful_share_deflections_and_tickets(world, kb):
    article = kb.published["public"]
    for _ in range(3):
        _as().get(f"/kb/articles/{article.slug}/")
    Article.objects.filter(pk=article.pk).update(helpful_yes=3, helpful_no=1, deflection_count=2)
    page = _as(world.l2).get(f"/desk/kb/articles/{article.slug}/").content.decode()
    assert 'data-stat="views">3<' in page
    assert 'data-stat="helpful">75 % of 4<' in page
    assert 'data-stat="deflections">2<' in page


def test_search_results_show_highlighted_snippets_and_related_articles(world, kb):
    first = _write(kb, "Printer offline", "When the printer is offline, restart the spooler.")
    second = _write(kb, "Printer jams", "Open the tray of the printer.")
    page = _as().get("/kb/search/", {"q": "printing"}).content.decode()
    assert "<mark>printer</mark>" in page
    assert _as().get("/kb/search/", {"q": "<script>x</script>"}).status_code == 200
    article = _as().get(f"/kb/articles/{first.slug}/").content.decode()
    assert "Related articles" in article and f"/kb/articles/{second.slug}/" in article
