"""`/sw.js`: the service worker, with its precache list and version filled in."""

from __future__ import annotations

import hashlib

from fastapi import APIRouter, Response

from api.shell.service import PWA_DIR, worker_source
from i18n import PUBLIC_LANGUAGES
from i18n.jsexport import catalog_json

router = APIRouter(tags=["meta"])


@router.get("/sw.js", response_class=Response, include_in_schema=False)
def service_worker() -> Response:
    """The service worker; never from the HTTP cache, so a new version is seen at once."""
    catalogs = hashlib.sha256("".join(catalog_json(lang)[1] for lang in PUBLIC_LANGUAGES).encode())
    body = worker_source(PWA_DIR, catalogs.hexdigest()[:8])
    return Response(
        body,
        media_type="text/javascript",
        headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/"},
    )
