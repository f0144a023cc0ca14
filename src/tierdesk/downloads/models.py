"""The download centre's catalogue: a product's versions, their releases and the files in them;
who follows a product, which defects a release fixes, and every download."""

from __future__ import annotations

from django.db import models

from tierdesk.crm.versions import sort_key


class Kind(models.TextChoices):
    FULL = "full", "Full build"
    SERVICE_PACK = "service-pack", "Service pack"
    PATCH = "patch", "Patch"
    HOTFIX = "hotfix", "Hotfix"


class Channel(models.TextChoices):
    STABLE = "stable", "Stable"
    LONG_TERM = "long-term", "Long-term support"


class State(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class Version(models.Model):
    """One version of a product (``2.4``); ``sort_key`` orders versions by their meaning."""

    product = models.ForeignKey("crm.Product", on_delete=models.CASCADE, related_name="versions")
    number = models.CharField(max_length=50)
    sort_key = models.CharField(max_length=400, editable=False)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["product_id", "-sort_key"]
        constraints = [
            models.UniqueConstraint(fields=["product", "number"], name="downloads_version_unique")
        ]
        indexes = [models.Index(fields=["product", "sort_key"], name="downloads_version_order")]

    def __str__(self) -> str:
        return f"{self.product} {self.number}"

    def save(self, *args: object, **kwargs: object) -> None:
        self.sort_key = sort_key(self.number)  # derived, never typed in
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class Release(models.Model):
    """A build of one kind for a version: draft until published; public releases need no
    account, the others a subscription (``policies``)."""

    version = models.ForeignKey(Version, on_delete=models.CASCADE, related_name="releases")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    title = models.CharField(max_length=200)
    channel = models.CharField(max_length=20, choices=Channel.choices, default=Channel.STABLE)
    notes = models.TextField(blank=True, help_text="Release notes, Markdown.")
    notes_html = models.TextField(blank=True, editable=False)
    platforms = models.JSONField(default=list, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    is_public = models.BooleanField(
        default=False, help_text="Anybody may download it (free tools, clients)."
    )
    notes_public = models.BooleanField(
        default=True, help_text="Anybody may read the notes; otherwise signed-in customers only."
    )
    resolves_fixed_tickets = models.BooleanField(
        default=True, help_text="On publication, resolve the defect tickets it fixes."
    )
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    support_ends_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(fields=["state", "published_at"], name="downloads_release_published")
        ]
        permissions = [("manage_release", "Edit and publish releases (release manager)")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.state == State.PUBLISHED


class ReleaseFile(models.Model):
    """A file of a release. ``stored_name`` is its name in the downloads storage (content
    addressed by SHA-256); a detached signature, if any, is stored beside it."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="files")
    name = models.CharField(max_length=255)
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    stored_name = models.CharField(max_length=400)
    signature_name = models.CharField(max_length=255, blank=True)
    signature_stored_name = models.CharField(max_length=400, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["release", "name"], name="downloads_file_unique")
        ]

    def __str__(self) -> str:
        return self.name


class LatestRelease(models.Model):
    """The latest published release of a product on a channel (the "latest" pointer)."""

    product = models.ForeignKey("crm.Product", on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=20, choices=Channel.choices)
    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["product", "channel"], name="downloads_latest_unique")
        ]

    def __str__(self) -> str:
        return f"{self.channel}: {self.release_id}"


class Download(models.Model):
    """One download: who, for which organization, which file, how much was sent, from where."""

    file = models.ForeignKey(ReleaseFile, on_delete=models.CASCADE, related_name="downloads")
    user = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    contact = models.ForeignKey(
        "crm.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    organization = models.ForeignKey(
        "crm.Organization", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    bytes_sent = models.BigIntegerField(default=0)
    range = models.CharField(max_length=100, blank=True)
    via = models.CharField(max_length=20, default="web")
    client_address = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["organization", "-at"], name="downloads_log_org")]

    def __str__(self) -> str:
        return f"{self.file_id} at {self.at:%Y-%m-%d %H:%M}"


class Follow(models.Model):
    """A contact who wants to hear of each new release of a product."""

    contact = models.ForeignKey("crm.Contact", on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey("crm.Product", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contact", "product"], name="downloads_follow_unique")
        ]

    def __str__(self) -> str:
        return f"{self.contact_id} follows {self.product_id}"


class ReleaseNotice(models.Model):
    """A follower told of a release: unique per (release, contact), so however many workers
    run the notice job each follower hears once; ``sent_at`` is claimed by compare-and-set."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey("crm.Contact", on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["release", "contact"], name="downloads_notice_unique")
        ]

    def __str__(self) -> str:
        return f"release {self.release_id} to {self.contact_id}"


class FixedIn(models.Model):
    """A defect ticket fixed in a (planned) release. ``told_at`` is claimed by compare-and-set
    when the release is published, so the ticket hears of it once."""

    ticket = models.OneToOneField("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="fixes")
    linked_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    linked_at = models.DateTimeField()
    told_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["ticket_id"]

    def __str__(self) -> str:
        return f"ticket {self.ticket_id} fixed in {self.release_id}"
