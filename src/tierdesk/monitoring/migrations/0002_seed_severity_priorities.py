"""The default severity -> priority table (issue 17): critical, disaster and host down are P1
emergencies (24x7); high P2; warning P3; lower P4. Editable in the admin afterwards."""

from typing import Any

from django.db import migrations

DEFAULTS = [
    ("disaster", 1, True), ("critical", 1, True), ("down", 1, True), ("emergency", 1, True),
    ("high", 2, False), ("error", 2, False), ("major", 2, False), ("unreachable", 2, False),
    ("average", 3, False), ("warning", 3, False), ("unknown", 3, False), ("minor", 3, False),
    ("info", 4, False), ("information", 4, False), ("informational", 4, False),
    ("not classified", 4, False), ("none", 4, False), ("low", 4, False),
]  # fmt: skip


def seed(apps: Any, schema_editor: Any) -> None:
    SeverityPriority = apps.get_model("monitoring", "SeverityPriority")
    for severity, priority, emergency in DEFAULTS:
        SeverityPriority.objects.get_or_create(
            severity=severity, defaults={"priority": priority, "is_emergency": emergency}
        )


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
