"""Every readable article gets its related articles ranked (``kb.services.related``): one
search per article, as its publication now does."""

from django.db import migrations

from tierdesk.kb.services.related import ranked

BATCH = 2000  # rows per INSERT


def rank_all(apps, schema_editor):
    Article = apps.get_model("kb", "Article")
    RelatedArticle = apps.get_model("kb", "RelatedArticle")
    published = Article.objects.filter(published_revision__isnull=False).exclude(state="archived")
    rows = []
    for article in published.select_related("published_revision").iterator():
        rows += [
            RelatedArticle(article_id=article.pk, related_id=related_id, position=position)
            for position, related_id in enumerate(ranked(article, Article.objects.all()))
        ]
        if len(rows) >= BATCH:
            RelatedArticle.objects.bulk_create(rows)
            rows = []
    RelatedArticle.objects.bulk_create(rows)


def unrank_all(apps, schema_editor):
    apps.get_model("kb", "RelatedArticle").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("kb", "0011_related_articles")]

    operations = [migrations.RunPython(rank_all, unrank_all)]
