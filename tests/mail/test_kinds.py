"""Every kind of mail any app stores is a member of ``OutboundKind`` (the field's choices): the
admin, the templates and the reports can name each one, and an unknown kind is refused."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tierdesk.mail.models import OutboundKind, OutboundMail
from tierdesk.mail.outbound import outbound_store

SRC = Path(__file__).resolve().parents[2] / "src" / "tierdesk"
# The calls that store a mail's kind.
STORING = {"outbound_store", "outbound_queue", "contacts_mail", "OutboundMail"}


def kinds_written_in_the_code() -> dict[str, str]:
    """Each kind named as text where mail is stored: the ``*_KIND = "..."`` constants of the
    modules that use mail, and ``kind="..."`` literals of the storing calls; by where."""
    found: dict[str, str] = {}
    for path in SRC.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        if "tierdesk.mail" not in source and path.parent.name != "mail":
            continue
        tree = ast.parse(source)
        where = str(path.relative_to(SRC))
        for node in tree.body:
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
                names = [t.id for t in node.targets if isinstance(t, ast.Name)]
                if any(name.endswith("_KIND") for name in names):
                    found[f"{where}:{node.lineno}"] = node.value.value
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _name(node.func) in STORING:
                for keyword in node.keywords:
                    if keyword.arg == "kind" and isinstance(keyword.value, ast.Constant):
                        found[f"{where}:{node.lineno}"] = keyword.value.value
    return found


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else ""


def test_every_kind_an_app_stores_is_an_outbound_kind():
    found = kinds_written_in_the_code()
    missing = {where: kind for where, kind in found.items() if kind not in OutboundKind.values}
    assert missing == {}


def test_the_kinds_other_apps_send_are_members():
    from tierdesk.downloads.announcing import LINK_KIND, NOTICE_KIND
    from tierdesk.monitoring.paging import PAGE_KIND
    from tierdesk.notifications.mailing import AUTO_CLOSED_KIND, NOTIFICATION_KIND, REMINDER_KIND
    from tierdesk.reports.services import REPORT_MAIL_KIND

    kinds = [NOTICE_KIND, LINK_KIND, PAGE_KIND, NOTIFICATION_KIND, REMINDER_KIND,
             AUTO_CLOSED_KIND, REPORT_MAIL_KIND]  # fmt: skip
    assert all(kind in OutboundKind.values for kind in kinds)


def test_a_mail_of_an_unknown_kind_is_refused_and_nothing_is_stored(db):
    with pytest.raises(ValueError, match="newsletter"):
        outbound_store(
            kind="newsletter", to="someone@example.test", subject="Hi", body="Hello",
            dedupe_key="kinds:1", mailbox=None, automatic=False,
        )  # fmt: skip
    assert not OutboundMail.objects.exists()
