"""The resources read over HTTP, each declared once (`View`) and registered by both HTTP
adapters: `web/` as a page with CSV downloads, `api/` as its JSON twin under /api/v1.

Layer: above `service` (whose functions the views call), below the interfaces. To add a
resource, declare its `View` in a module here and list it in `all_views`.
"""

from __future__ import annotations

from protect.views.base import Table, View


def all_views() -> tuple[View, ...]:
    """Every view, in the order their routes are registered."""
    from protect.views import (
        admin,
        assessments,
        foa,
        kbsearch,
        knowledge,
        monitor,
        risk,
        riskmap,
    )

    # The search before the knowledge base's `/kb/{kind}`, which would take `/kb/search`.
    return (
        *monitor.VIEWS,
        *riskmap.VIEWS,
        *risk.VIEWS,
        *kbsearch.VIEWS,
        *knowledge.VIEWS,
        *assessments.VIEWS,
        *foa.VIEWS,
        *admin.VIEWS,
    )


__all__ = ["Table", "View", "all_views"]
