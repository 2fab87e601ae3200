"""Every domain router, in one place."""

from __future__ import annotations

from fastapi import FastAPI

from api.codes.public_router import router as codes_public_router
from api.codes.router import router as codes_router
from api.exports.router import router as exports_router
from api.followups.router import router as followups_router
from api.funnel.router import router as funnel_router
from api.i18n_router import router as i18n_router
from api.intake.pages import router as intake_pages_router
from api.intake.router import router as intake_router
from api.interactions.router import router as interactions_router
from api.leads.router import router as leads_router
from api.outreach.router import router as outreach_router
from api.partners.router import router as partners_router
from api.privacy.public_router import router as privacy_public_router
from api.privacy.router import router as privacy_router
from api.push.router import router as push_router
from api.referrals.router import router as referrals_router
from api.reports.router import router as reports_router
from api.sessions.router import router as sessions_router
from api.shell.router import router as shell_router
from api.syncapi.router import router as sync_router
from api.users.admin_router import router as admin_router
from api.users.auth_router import router as auth_router
from api.venues.router import router as venues_router


def include_routers(app: FastAPI) -> None:
    for router in (
        auth_router,
        admin_router,
        leads_router,
        interactions_router,
        followups_router,
        sessions_router,
        venues_router,
        partners_router,
        referrals_router,
        push_router,
        sync_router,
        funnel_router,
        reports_router,
        exports_router,
        outreach_router,
        i18n_router,
        intake_router,
        privacy_router,
        privacy_public_router,
        intake_pages_router,
        codes_router,
        codes_public_router,
        shell_router,
    ):
        app.include_router(router)
