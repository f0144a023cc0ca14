"""The knowledge base (M4): sections in a tree, articles, their revisions and reviews.

An article's text lives only in its revisions: every save writes a new one. The revision readers
see is ``Article.published_revision``; work in progress is any later revision.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models

from tierdesk.core.attachments import upload_path
from tierdesk.crm.versions import describe_lines, version_lines

DAYS_PER_MONTH = 30.44
MAX_VERSIONS = 200  # characters of ``Article.versions`` as stored


class Manual(models.TextChoices):
    ADMINISTRATORS = "administrators", "Administrators' manual"
    APPLICATIONS = "applications", "Applications manual"


class Visibility(models.TextChoices):
    PUBLIC = "public", "Public"
    CUSTOMERS = "customers", "Customers"
    PARTNERS = "partners", "Partners"
    INTERNAL = "internal", "Internal (agents only)"


class State(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    PUBLISHED = "published", "Published"
    ARCHIVED = "archived", "Archived"


class Verdict(models.TextChoices):
    APPROVE = "approve", "Approve"
    REQUEST_CHANGES = "request_changes", "Request changes"


class Section(models.Model):
    """A category of the help centre; its owner team reviews and re-verifies its articles."""

    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=200)
    manual = models.CharField(max_length=20, choices=Manual.choices)
    owner_team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.PROTECT,
        related_name="kb_sections", help_text="Its members with the reviewer permission review.",
    )  # fmt: skip
    verification_months = models.PositiveSmallIntegerField(
        default=12, help_text="A published article is re-verified after this many months."
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "title"]

    def __str__(self) -> str:
        return self.title

    def verification_due(self, at: datetime) -> datetime:
        """When an article of this section published or verified ``at`` is due again."""
        return at + timedelta(days=self.verification_months * DAYS_PER_MONTH)


class Article(models.Model):
    slug = models.SlugField(max_length=200, unique=True)
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="articles")
    visibility = models.CharField(
        max_length=20, choices=Visibility.choices, default=Visibility.INTERNAL
    )
    state = models.CharField(max_length=20, choices=State.choices, default=State.DRAFT)
    tags = models.JSONField(default=list, blank=True)
    products = models.ManyToManyField("crm.Product", blank=True, related_name="kb_articles")
    # Stored with a comma at each end, ",2,3.1,", so that a query finds a whole line with one
    # LIKE (``kb.selectors``); read it through ``version_lines``.
    versions = models.CharField(
        max_length=MAX_VERSIONS, blank=True,
        help_text="The version lines of its products it applies to (2.x and 3.1.x: ',2,3.1,'). "
        "Empty: every version.",
    )  # fmt: skip
    entitled_only = models.BooleanField(
        default=False,
        help_text="Only for readers entitled to one of its products (an active subscription "
        "covering it); agents of the vendor always read it.",
    )
    published_revision = models.ForeignKey(
        "Revision", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    source = models.CharField(
        max_length=500, blank=True, db_index=True,
        help_text="The file name it was imported from, if any (a re-import finds it by this).",
    )  # fmt: skip
    source_hash = models.CharField(max_length=64, blank=True, help_text="SHA-256 of that file.")
    # The deadline of its re-verification (kb.services.verification): set on publication and
    # on each verification; the sweep asks the owner team once when it passes
    # (``verification_asked_at``, cleared by the next verification).
    verify_by = models.DateTimeField(null=True, blank=True, db_index=True)
    verification_asked_at = models.DateTimeField(null=True, blank=True)
    # Counters of what readers did, kept by kb.services with F() updates: the article's
    # statistics and the popularity signal of the search rank (kb.search).
    view_count = models.PositiveIntegerField(default=0)
    helpful_yes = models.PositiveIntegerField(default=0)
    helpful_no = models.PositiveIntegerField(default=0)
    deflection_count = models.PositiveIntegerField(default=0)
    ticket_count = models.PositiveIntegerField(default=0, help_text="Tickets it was sent on.")

    class Meta:
        ordering = ["slug"]
        permissions = [
            ("author_article", "May write knowledge-base articles"),
            ("review_article", "May review knowledge-base articles of the sections of own teams"),
        ]
        indexes = [models.Index(fields=["state", "visibility"])]

    def __str__(self) -> str:
        return self.slug

    @property
    def version_lines(self) -> list[str]:
        """The version lines it applies to (``["2", "3.1"]``); none: every version."""
        return version_lines(self.versions)

    @property
    def versions_label(self) -> str:
        """``2.x, 3.1.x``; empty for every version."""
        return describe_lines(self.version_lines)


def stored_versions(lines: list[str]) -> str:
    """``Article.versions`` for checked version lines: ``["2", "3.1"]`` -> ``",2,3.1,"``."""
    return f",{','.join(lines)}," if lines else ""


class RelatedArticle(models.Model):
    """One of an article's related articles, ranked by the search when it was published,
    imported or changed (``kb.services.related``): the help centre's page reads them instead of
    searching on every view, and shows only those its reader may read (``policies.visible``)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="related_links")
    related = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="listed_in")
    position = models.PositiveSmallIntegerField(help_text="0 is the best match.")

    class Meta:
        ordering = ["article", "position"]
        constraints = [
            models.UniqueConstraint(fields=["article", "related"], name="kb_related_once")
        ]

    def __str__(self) -> str:
        return f"{self.related_id} related to {self.article_id}"


class Revision(models.Model):
    """One saved state of an article. Never changed once written."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=255)
    summary = models.CharField(max_length=1000, blank=True)
    body = models.TextField(help_text="Markdown.")
    body_html = models.TextField(help_text="The body rendered and sanitised.")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="kb_revisions",
    )  # fmt: skip
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["article", "number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="kb_revision_number")
        ]

    def __str__(self) -> str:
        return f"{self.article_id} r{self.number}"


class ArticleAttachment(models.Model):
    """A file or an image of an article, stored by the one storage rule (``core.attachments``:
    under its SHA-256, like tickets' attachments). Rows never change: a file of a name already
    there replaces it for what comes next, and a removal sets ``removed_at``. Readers see the
    files as they were when the live revision was published; authors and reviewers the current
    ones (``kb.selectors.article_files``)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=upload_path, max_length=200)
    filename = models.CharField(max_length=255, help_text="As uploaded, made safe.")
    content_type = models.CharField(max_length=100)
    image_type = models.CharField(
        max_length=20, blank=True,
        help_text="The raster image type its bytes show (shown inline); empty for other files.",
    )  # fmt: skip
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["article", "created_at", "id"]

    def __str__(self) -> str:
        return self.filename


class Review(models.Model):
    revision = models.ForeignKey(Revision, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="kb_reviews"
    )
    verdict = models.CharField(max_length=20, choices=Verdict.choices)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.verdict} of {self.revision}"


class Feedback(models.Model):
    """A reader's "Was this helpful?" answer, with an optional comment."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="feedback")
    helpful = models.BooleanField()
    comment = models.TextField(blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{'yes' if self.helpful else 'no'} on {self.article_id}"


class Deflection(models.Model):
    """A contact said an article solved their problem before opening a ticket; none was opened."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="deflections")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    query = models.CharField(max_length=1000, blank=True, help_text="What they had typed.")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"deflection by {self.article_id}"


class TicketArticle(models.Model):
    """An article an agent sent on a ticket (inserted as a link in the composer)."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="ticket_links")
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "article"], name="kb_ticket_article_once")
        ]

    def __str__(self) -> str:
        return f"{self.article_id} on {self.ticket_id}"
