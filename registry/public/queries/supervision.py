"""Which of a jurisdiction's ledger pages its public page links to (#18): the ledgers and the closure
notices when it keeps a ledger, the monthly bulletins when it has published one.

The jurisdiction's page is cached whole (registry.public.cache.cached, a strong ETag and a kept body),
so what decides its links is part of its state (targets.jurisdiction_page_state) and the two tables are
watched: the first ledger, or the first published bulletin, shows the link at once (in this process;
in the others within the publication token's second). The links carry no counts: those move with every
step on a task, and watching the tasks would make every progress report forget the public caches."""

from sqlalchemy import func, select

from registry.extensions import db
from registry.public.cache import remembered, watch
from registry.supervision.models import Bulletin, BulletinState, Ledger

watch(Ledger, func.count(Ledger.id), func.max(Ledger.id))
watch(Bulletin, func.count(Bulletin.id).filter(Bulletin.state == BulletinState.PUBLISHED))


@remembered
def _keeping() -> tuple[frozenset[int], frozenset[int]]:
    """The jurisdictions with a ledger, and those with a published bulletin: two queries a publication."""
    ledgers = db.session.scalars(select(Ledger.jurisdiction_id).distinct())
    bulletins = db.session.scalars(
        select(Bulletin.jurisdiction_id).where(Bulletin.state == BulletinState.PUBLISHED).distinct()
    )
    return frozenset(ledgers), frozenset(bulletins)


def supervision_links(jurisdiction_id: int) -> tuple[bool, bool]:
    """(has a ledger, has a published bulletin): the page's links and a part of its ETag."""
    ledgers, bulletins = _keeping()
    return jurisdiction_id in ledgers, jurisdiction_id in bulletins
