"""Importing articles from files (``tierdesk kb import``), a batch at a time.

An import is a reviewed batch: its articles are published at once (``docs/kb.md``). A batch
costs the same few statements however many files it holds (the articles its files name, the
products, the taken slugs, one INSERT of the new articles, one of the revisions, one UPDATE
publishing them, one DELETE and one INSERT of their products and of their search documents),
not a dozen per file: 10,000 files imported one
by one took 23 minutes (``docs/benchmarks.md``). The images a file's body shows by a relative
path (``ImportFile.images``) arrive stored; a batch adds their rows in three statements.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max, Q

from tierdesk.core.attachments import StoredFile
from tierdesk.core.clock import now
from tierdesk.core.errors import InvalidInput, TierdeskError
from tierdesk.core.text import render_markdown
from tierdesk.crm.models import Product
from tierdesk.crm.versions import version_lines
from tierdesk.kb.importing import Source
from tierdesk.kb.models import Article, ArticleAttachment, Revision, Section, State
from tierdesk.kb.search import index_articles
from tierdesk.kb.services.articles import (
    _check_choice,
    _check_text,
    _clean_tags,
    clean_versions,
    free_slug,
    slug_base,
)
from tierdesk.kb.services.attachments import check_room, current_files, file_row, files_remove
from tierdesk.kb.services.readers import asked_by
from tierdesk.kb.tasks import rank_related

# What an import writes on an article it updates (and the publication, on every article).
UPDATED_FIELDS = [
    "section", "visibility", "tags", "versions", "source", "source_hash", "updated_at"
]  # fmt: skip
PUBLISHED_FIELDS = [
    "published_revision", "published_at", "state", "verify_by", "verification_asked_at"
]  # fmt: skip


@dataclass(frozen=True)
class ImportFile:
    name: str  # the file's path in the imported directory: the article's ``source``
    source: Source
    section: Section
    visibility: str
    # The images its body shows by a relative path (``kb.links``), already stored by
    # ``core.attachments.store``: the slow part, before any transaction. Stored files are
    # content-addressed and shared, so those of a file or a batch that then fails are harmless
    # orphans.
    images: tuple[StoredFile, ...] = ()

    @property
    def digest(self) -> str:
        """What decides ``unchanged``: the file's SHA-256, with its images' names and SHA-256s
        when it shows any (a changed image changes the article)."""
        if not self.images:
            return self.source.digest  # as before images were imported: still unchanged
        images = sorted(f"{image.name}\0{image.sha256}" for image in self.images)
        return hashlib.sha256("\n".join([self.source.digest, *images]).encode()).hexdigest()


@dataclass(frozen=True)
class Imported:
    action: str  # created, updated, unchanged or failed
    article: Article | None = None
    error: TierdeskError | None = None


@dataclass
class _Planned:
    index: int
    file: ImportFile
    article: Article
    is_new: bool
    summary: str
    body_html: str
    products: list[Product] = field(default_factory=list)
    revision: Revision | None = field(default=None)
    images: list[StoredFile] = field(default_factory=list)


def article_import(
    *, name: str, source: Source, section: Section, visibility: str
) -> tuple[str, Article]:
    """Create or update the article imported from file ``name``, published at once. Returns
    ``created``, ``updated`` or ``unchanged`` and the article; a refused file raises."""
    (outcome,) = articles_import(files=[ImportFile(name, source, section, visibility)])
    if outcome.error is not None:
        raise outcome.error
    assert outcome.article is not None
    return outcome.action, outcome.article


def articles_import(*, files: Sequence[ImportFile]) -> list[Imported]:
    """Create or update the articles imported from ``files`` (one transaction), each published
    at once; one outcome per file, in order. A file that names no article yet creates one; one
    whose content is unchanged (its SHA-256) is left alone; a refused file fails alone."""
    outcomes = [Imported("failed") for _ in files]
    planned = _plan_all(files, outcomes)
    at = now()
    try:
        with transaction.atomic():
            _write(planned, at)
    except IntegrityError as error:  # a concurrent writer took a slug: no row was written
        # (the images' bytes stored before stay: harmless, see ``ImportFile.images``)
        failure = InvalidInput(f"Not imported, import again: {error}")
        for item in planned:
            outcomes[item.index] = Imported("failed", error=failure)
        return outcomes
    for item in planned:
        outcomes[item.index] = Imported("created" if item.is_new else "updated", item.article)
    return outcomes


def _plan_all(files: Sequence[ImportFile], outcomes: list[Imported]) -> list[_Planned]:
    """The files to write, checked and rendered (before the transaction opens); ``outcomes``
    gets the unchanged and refused ones."""
    by_source, by_slug = _articles_named(files)
    products = _products_by_name()
    current = _current_names(by_slug.values()) if any(f.images for f in files) else {}
    claimed: set[int] = set()
    planned: list[_Planned] = []
    for index, file in enumerate(files):
        slug = _meta_text(file.source.meta.get("slug"))
        article = by_source.get(file.name) or by_slug.get(slug)
        if article is not None and article.source_hash == file.digest:
            outcomes[index] = Imported("unchanged", article)
            continue
        try:
            if article is not None and article.pk in claimed:
                raise InvalidInput("Another file of this import names the same article.")
            images = _images(file, current.get(article.pk, ()) if article else ())
            item = _plan(index, file, article, products)
            item.images = images
            planned.append(item)
        except InvalidInput as error:
            outcomes[index] = Imported("failed", error=error)
            continue
        if article is not None:
            claimed.add(article.pk)
    _give_slugs([item for item in planned if item.is_new])
    return planned


def _articles_named(files: Sequence[ImportFile]) -> tuple[dict[str, Article], dict[str, Article]]:
    """The articles the files came from (their ``source``) or name (an exported file's
    ``slug``), in one query."""
    names = [file.name for file in files]
    slugs = [s for s in (_meta_text(f.source.meta.get("slug")) for f in files) if s]
    found = list(Article.objects.filter(Q(source__in=names) | Q(slug__in=slugs)))
    return {a.source: a for a in found if a.source}, {a.slug: a for a in found}


def _products_by_name() -> dict[str, Product]:
    """Every product by its slug and by its name, lower case (a handful of rows: one query)."""
    found: dict[str, Product] = {}
    for product in Product.objects.all():
        found.setdefault(product.name.lower(), product)
        found[product.slug.lower()] = product
    return found


def _plan(
    index: int, file: ImportFile, existing: Article | None, products: dict[str, Product]
) -> _Planned:
    source = file.source
    tags = source.meta.get("tags", [])
    summary = _meta_text(source.meta.get("summary"))
    _check_text(title=source.title, body=source.body, summary=summary)
    _check_choice(file.visibility)
    named = _meta_list(source.meta.get("products"))
    unknown = [name for name in named if name.lower() not in products]
    if unknown:
        raise InvalidInput(f"No such product: {', '.join(unknown)}.", field="products")
    # ``versions: [2, 3.1]`` or ``versions: 2, 3.1``; without the key, every version.
    versions = clean_versions(version_lines(",".join(_meta_list(source.meta.get("versions")))))
    article = existing or Article(source=file.name)
    article.section, article.visibility = file.section, file.visibility
    article.tags = _clean_tags([tags] if isinstance(tags, str) else tags)
    article.versions = versions
    article.source, article.source_hash = file.name, file.digest
    body_html = render_markdown(source.body)
    chosen = list({products[name.lower()].pk: products[name.lower()] for name in named}.values())
    return _Planned(index, file, article, existing is None, summary, body_html, chosen)


def _give_slugs(new: list[_Planned]) -> None:
    """Each new article its slug: from the file's ``slug`` or its title, made free of the
    articles stored and of the batch's others (one query, unless a slug is taken)."""
    wanted = [
        _meta_text(item.file.source.meta.get("slug")) or item.file.source.title for item in new
    ]
    bases = [slug_base(text) for text in wanted]
    taken = set(Article.objects.filter(slug__in=bases).values_list("slug", flat=True))
    used: set[str] = set()
    for item, text, base in zip(new, wanted, bases, strict=True):
        slug = base if base not in taken and base not in used else free_slug(text, also_taken=used)
        item.article.slug = slug
        used.add(slug)


def _write(planned: list[_Planned], at: Any) -> None:
    """The articles, their new revisions, their publication and their search documents."""
    new = [item.article for item in planned if item.is_new]
    for article in new:
        article.created_at = at
    for item in planned:
        item.article.updated_at = at
    Article.objects.bulk_create(new)
    updated = [item.article for item in planned if not item.is_new]
    Article.objects.bulk_update(updated, UPDATED_FIELDS)
    last = _last_numbers(updated)
    revisions = [_revision(item, last.get(item.article.pk, 0) + 1, at) for item in planned]
    Revision.objects.bulk_create(revisions)
    for item, revision in zip(planned, revisions, strict=True):
        item.article.published_revision = revision
        item.article.published_at = at
        item.article.state = State.PUBLISHED
        item.article.verify_by = item.file.section.verification_due(at)
        item.article.verification_asked_at = None
    articles = [item.article for item in planned]
    Article.objects.bulk_update(articles, PUBLISHED_FIELDS)
    _set_products(planned)
    _attach_images(planned, at)
    index_articles(articles, asked_by(a.pk for a in updated))
    # Related articles cost a search each: the workers rank them once the batch is committed
    # (after its search documents, so the batch's articles find each other).
    ids = [article.pk for article in articles]
    transaction.on_commit(lambda: rank_related.enqueue(ids))


def _set_products(planned: list[_Planned]) -> None:
    """Each article's products as its file names them (none when it names none, as for tags:
    the file is what an imported article says)."""
    through = Article.products.through
    through.objects.filter(article__in=[item.article for item in planned]).delete()
    through.objects.bulk_create(
        [through(article=item.article, product=p) for item in planned for p in item.products]
    )


def _current_names(articles: Iterable[Article]) -> dict[int, set[str]]:
    """The names of each article's current files (one query)."""
    names: dict[int, set[str]] = {}
    for pk, name in current_files(articles).values_list("article_id", "filename"):
        names.setdefault(pk, set()).add(name)
    return names


def _images(file: ImportFile, current: Iterable[str]) -> list[StoredFile]:
    """The file's images, one per name (two different ones of one name could not both show:
    a page finds an image by its base name), if the article has room for them."""
    by_name: dict[str, StoredFile] = {}
    for image in file.images:
        if by_name.setdefault(image.name, image).sha256 != image.sha256:
            raise InvalidInput(f"Two different images are named {image.name}.", field="images")
    check_room(current, by_name)
    return list(by_name.values())


def _attach_images(planned: list[_Planned], at: Any) -> None:
    """Each article's images as its file shows them, live with its revision (created at
    ``at``), in three statements whatever the batch's size. A current file of the same name and
    bytes stays; one of other bytes is replaced: removed at ``at`` (``files_remove``, as the
    editor's remove does). The article's other files (an author's uploads) stay as they are."""
    wanted = {(item.article.pk, image.name): image for item in planned for image in item.images}
    if not wanted:
        return
    articles = {item.article.pk: item.article for item in planned if item.images}
    named = current_files(articles.values()).filter(filename__in={name for _, name in wanted})
    rows = [row for row in named.order_by("created_at", "pk") if _key(row) in wanted]
    newest = {_key(row): row for row in rows}
    kept = {key for key, row in newest.items() if row.sha256 == wanted[key].sha256}
    if replaced := [row.pk for row in rows if _key(row) not in kept]:
        files_remove(ArticleAttachment.objects.filter(pk__in=replaced), at)
    ArticleAttachment.objects.bulk_create(
        file_row(article=articles[pk], stored=image, actor=None, at=at)
        for (pk, name), image in wanted.items()
        if (pk, name) not in kept
    )


def _key(row: ArticleAttachment) -> tuple[int, str]:
    return row.article_id, row.filename


def _last_numbers(articles: list[Article]) -> dict[int, int]:
    if not articles:
        return {}
    rows = (
        Revision.objects.filter(article__in=articles)
        .values("article_id")
        .annotate(last=Max("number"))
        .values_list("article_id", "last")
    )
    return dict(rows)


def _revision(item: _Planned, number: int, at: Any) -> Revision:
    source = item.file.source
    return Revision(
        article=item.article, number=number, title=source.title, summary=item.summary,
        body=source.body, body_html=item.body_html, author=None, created_at=at,
    )  # fmt: skip


def _meta_text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _meta_list(value: object) -> list[str]:
    """A front matter list (or one item) of non-empty texts."""
    items = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    return [text for text in (_meta_text(item) for item in items) if text]
