"""The published 汇编 (report volumes) a jurisdiction's public page lists: what identifies them, for
the page's ETag (registry.public.cache)."""

from sqlalchemy import func, select

from registry.extensions import db
from registry.public.cache import remembered, watch
from registry.public.queries.jurisdictions import by_jurisdiction
from registry.reports.models import ReportingCycle, ReportVolume

# A volume's publication changes its jurisdiction's page (registry.public.cache.watch).
watch(ReportVolume, func.count(ReportVolume.published_at), func.max(ReportVolume.published_at))


@remembered
def _every_published_volume() -> dict[int, tuple[dict, ...]]:
    """Every published volume by jurisdiction, newest year first, as plain values (PDF bytes not
    loaded): one query a publication, for every jurisdiction's page."""
    rows = db.session.execute(
        select(
            ReportingCycle.jurisdiction_id,
            ReportVolume.id,
            ReportVolume.title,
            ReportVolume.report_ids,
            ReportVolume.pdf_size,
            ReportVolume.pdf_sha256,
            ReportVolume.published_at,
        )
        .join(ReportingCycle, ReportingCycle.id == ReportVolume.cycle_id)
        .where(ReportVolume.published_at.is_not(None))
        .order_by(ReportingCycle.year.desc(), ReportVolume.published_at.desc())
    )
    return by_jurisdiction(rows)


def published_volumes(jurisdiction_id: int) -> tuple[dict, ...]:
    """The published volumes a jurisdiction's public page lists (id, title, report_ids, pdf_size,
    pdf_sha256, published_at), newest year first."""
    return _every_published_volume().get(jurisdiction_id, ())


def published_volume_parts(jurisdiction_id: int) -> tuple:
    """What identifies a jurisdiction's published volumes (id, checksum, publication time)."""
    volumes = sorted(published_volumes(jurisdiction_id), key=lambda v: v["id"])
    return tuple((v["id"], v["pdf_sha256"], str(v["published_at"])) for v in volumes)
