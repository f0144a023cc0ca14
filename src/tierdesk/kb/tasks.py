"""Periodic jobs of the knowledge base (thin shells over one service each)."""

from __future__ import annotations

from datetime import timedelta

from django.tasks import task

from tierdesk.core import scheduler
from tierdesk.kb.services.related import related_refresh_ids
from tierdesk.kb.services.verification import verification_sweep


@task
def sweep_verifications() -> int:
    return verification_sweep()


@task
def rank_related(article_ids: list[int]) -> int:
    return related_refresh_ids(article_ids)


# Verification intervals are months long: an hour late is on time.
scheduler.register("kb.verification-sweep", every=timedelta(hours=1), task=sweep_verifications)
