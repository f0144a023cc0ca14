"""Download-centre tasks: thin shells over one service each."""

from __future__ import annotations

from datetime import timedelta

from django.tasks import task

from tierdesk.core import scheduler
from tierdesk.downloads import announcing


@task
def release_announce(release_id: int) -> list[int]:
    return list(announcing.release_announce(release_id))


@task
def release_announce_sweep() -> int:
    return announcing.announce_sweep()


# A publication whose announcement task was lost (a worker died) is announced by the sweep; the
# compare-and-set claims make a second run tell nobody twice.
scheduler.register("downloads.announce", every=timedelta(minutes=10), task=release_announce_sweep)
