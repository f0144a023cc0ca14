"""The section tree of domain.md M4: the administrators' manual and the applications manual."""

from django.db import migrations

ADMINISTRATORS = [
    ("setup", "Setup"),
    ("upgrade", "Upgrade"),
    ("configuration", "Configuration"),
    ("monitoring", "Monitoring"),
    ("maintenance", "Maintenance"),
    ("troubleshooting", "Troubleshooting"),
    ("faq", "FAQ"),
]


def seed(apps, schema_editor):
    Section = apps.get_model("kb", "Section")
    admins = Section.objects.create(
        slug="administrators", title="Administrators' manual", manual="administrators", position=0
    )
    for position, (slug, title) in enumerate(ADMINISTRATORS):
        Section.objects.create(
            parent=admins, slug=slug, title=title, manual="administrators", position=position
        )
    Section.objects.create(
        slug="applications", title="Applications manual", manual="applications", position=1
    )


def unseed(apps, schema_editor):
    Section = apps.get_model("kb", "Section")
    Section.objects.exclude(parent=None).delete()
    Section.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("kb", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
