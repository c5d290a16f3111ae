"""/audit/dashboard: the managers' staffing dashboard (a page shell; its data comes from
/audit/staffing through static/js/dashboard.js, with the caller's log-in)."""
from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from maps import i18n
from maps.audit_text import texts
from maps.pages import templates

router = APIRouter(include_in_schema=False)


@router.get("/audit/dashboard", response_class=HTMLResponse)
def dashboard(request: Request,
              lang: Annotated[str | None, Query(pattern="^(zh|zh-CN|en)$")] = None
              ) -> HTMLResponse:
    # ?lang= (the site header's zh-CN/en, or zh), else the language the other pages keep
    lang = {"zh-CN": "zh", "en": "en", "zh": "zh"}[lang or i18n.language(request)]
    # The strings travel in a data attribute (autoescaped), not an inline script.
    response = templates.TemplateResponse(request, "dashboard.html", {
        "lang": lang, "t": texts(lang), "strings": json.dumps(texts(lang), ensure_ascii=False),
        "basemap_url": request.app.state.settings.server.basemap_url})
    i18n.remember(request, response)
    return response
