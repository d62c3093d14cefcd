"""The published 汇编 (report volumes) a jurisdiction's public page lists: what identifies them, for
the page's ETag (registry.public.cache)."""

from sqlalchemy import func, select

from registry.extensions import db
from registry.public.cache import remembered, watch
from registry.reports.models import ReportingCycle, ReportVolume

# A volume's publication changes its jurisdiction's page (registry.public.cache.watch).
watch(ReportVolume, func.count(ReportVolume.published_at), func.max(ReportVolume.published_at))


@remembered
def published_volume_parts(jurisdiction_id: int) -> tuple:
    """What identifies a jurisdiction's published volumes (id, checksum, publication time)."""
    rows = db.session.execute(
        select(ReportVolume.id, ReportVolume.pdf_sha256, ReportVolume.published_at)
        .join(ReportingCycle, ReportingCycle.id == ReportVolume.cycle_id)
        .where(ReportingCycle.jurisdiction_id == jurisdiction_id, ReportVolume.published_at.is_not(None))
        .order_by(ReportVolume.id)
    )
    return tuple((r.id, r.pdf_sha256, str(r.published_at)) for r in rows)
