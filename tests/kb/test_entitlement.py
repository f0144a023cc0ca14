"""Product-only articles: read by those entitled to one of the article's products (an active
subscription of their organization covering it, the download centre's question), never by
another customer, an anonymous visitor or an expired subscriber; agents of the vendor read them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.utils import timezone

from tierdesk.crm.models import Product, Subscription
from tierdesk.kb import policies
from tierdesk.kb.models import Article, Visibility
from tierdesk.kb.selectors import article_search
from tierdesk.kb.services import article_update
from tierdesk.sla.models import Plan


@pytest.fixture
def scanner(kb, world):
    """A customers' article about the Scanner, for Scanner subscribers only; Acme subscribes
    to the Scanner, Globex to another product, Cobalt (Bluebird's customer) to every product."""
    scanner, printer = (
        Product.objects.create(name=n, slug=n.lower()) for n in ["Scanner", "Printer"]
    )
    today = timezone.localdate()
    plan = Plan.objects.order_by("id").first()
    subscribe = Subscription.objects.create
    subscribe(organization=world.acme, plan=plan, product=scanner, starts_on=today)
    subscribe(organization=world.globex, plan=plan, product=printer, starts_on=today)
    subscribe(organization=world.cobalt, plan=plan, product=None, starts_on=today)
    subscribe(  # expired: no longer counts
        organization=world.umbrella, plan=plan, product=scanner,
        starts_on=today - timedelta(days=400), ends_on=today - timedelta(days=1),
    )  # fmt: skip
    article = kb.published[Visibility.CUSTOMERS]
    article_update(
        actor=kb.author, article=article, title="Published customers", body="About the scanner.",
        product_ids=[scanner.pk], entitled_only=True,
    )  # fmt: skip
    return Article.objects.get(pk=article.pk)


READERS = {
    "acme_contact": True,  # subscribes to the Scanner
    "acme_colleague": True,
    "globex_contact": False,  # another product only
    "cobalt_contact": True,  # every product
    "partner_agent": True,  # Bluebird: its customer Cobalt's subscription counts
    "umbrella_contact": False,  # expired
    "other_partner_agent": False,  # Redline: only Umbrella's expired one
    "l1": True,  # vendor agents read everything
    "manager": True,
}


@pytest.mark.parametrize("persona", sorted(READERS))
def test_only_entitled_readers_read_a_product_only_article(scanner, world, persona):
    user = world.persona(persona)
    readable = policies.visible(user, policies.READ, Article.objects.all())
    assert readable.filter(pk=scanner.pk).exists() is READERS[persona]
    assert policies.can(user, policies.READ, scanner) is READERS[persona]


def test_an_anonymous_visitor_never_reads_it(scanner):
    assert not policies.can(AnonymousUser(), policies.READ, scanner)
    assert Client().get(f"/kb/articles/{scanner.slug}/").status_code == 404


@pytest.mark.parametrize("persona", ["globex_contact", "umbrella_contact"])
def test_another_customer_finds_it_nowhere(scanner, world, persona, api_as):
    user = world.persona(persona)
    assert scanner not in article_search(user=user, q="published customers")
    client = _signed_in(user)
    assert client.get(f"/kb/articles/{scanner.slug}/").status_code == 404
    page = client.get("/kb/search/", {"q": "published customers"}).content.decode()
    assert scanner.slug not in page
    assert api_as(persona).get(f"/api/v1/kb/articles/{scanner.slug}").status_code == 404


def test_an_entitled_contact_finds_it(scanner, world, api_as):
    assert scanner in article_search(user=world.acme_contact, q="published customers")
    assert _signed_in(world.acme_contact).get(f"/kb/articles/{scanner.slug}/").status_code == 200
    assert api_as("acme_contact").get(f"/api/v1/kb/articles/{scanner.slug}").status_code == 200


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_without_products_nobody_outside_the_vendor_reads_it(scanner, world, kb):
    scanner.products.clear()
    for persona in ["acme_contact", "cobalt_contact", "partner_agent"]:
        assert not policies.can(world.persona(persona), policies.READ, scanner)
    assert policies.can(world.l1, policies.READ, scanner)


def test_a_customers_article_not_marked_stays_for_every_contact(kb, world):
    article = kb.published[Visibility.CUSTOMERS]
    assert policies.can(world.globex_contact, policies.READ, article)
