"""HTML pages: the start page, the web map, the dispatcher console and the planner's editor
(Leaflet and Leaflet-Geoman, served from /static, no CDN)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from maps import i18n, nav
from maps.assets import TEMPLATES_DIR

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
templates.env.autoescape = True  # every template, whatever its extension: data is text
nav.install(templates.env)  # the site header of base.html (templates/_nav.html)

# (href, catalogue key of the title; its note is key + ".note")
LINKS = [
    ("/map", "link.map"), ("/editor", "link.editor"), ("/console", "link.console"),
    ("/docs", "link.docs"), ("/redoc", "link.redoc"),
    ("/healthz", "link.health"), ("/regions?level=town", "link.regions"),
    ("/cells?limit=100", "link.cells"),
]


def render(request: Request, template: str, context: dict | None = None) -> HTMLResponse:
    """A page in the caller's language (maps/i18n.py), remembering a ?lang= choice."""
    lang = i18n.language(request)
    response = templates.TemplateResponse(request, template, {
        "lang": lang, "languages": i18n.LANGUAGES, "t": i18n.strings(lang), **(context or {})})
    i18n.remember(request, response)
    return response


@router.get("/", response_class=HTMLResponse)
def start_page(request: Request) -> HTMLResponse:
    return render(request, "start.html", {"links": LINKS})


@router.get("/map", response_class=HTMLResponse)
def web_map(request: Request) -> HTMLResponse:
    settings = request.app.state.settings
    lang = i18n.language(request)
    # What map.js needs, as JSON in a data- attribute (autoescaped; no inline script)
    page = {"lang": lang, "strings": i18n.strings(lang),
            "basemap_url": settings.server.basemap_url,
            "band": {"min": settings.grid.households_min, "max": settings.grid.households_max}}
    return render(request, "map.html", {"basemap_url": settings.server.basemap_url,
                                        "page": page})


@router.get("/console", response_class=HTMLResponse)
def dispatcher_console(request: Request) -> HTMLResponse:
    """The dispatcher console (maps/static/js/console.js): queue, map, case panel, live."""
    settings = request.app.state.settings
    lang = i18n.language(request)
    page = {"lang": lang, "strings": i18n.strings(lang),
            "basemap_url": settings.server.basemap_url}
    return render(request, "console.html", {"page": page})


@router.get("/editor", response_class=HTMLResponse)
def grid_editor(request: Request, generation: Annotated[int | None, Query(
        ge=1, le=2_147_483_647, description="the draft to open")] = None) -> HTMLResponse:
    """The planner's editor over a draft generation (maps/static/js/editor*.js)."""
    settings = request.app.state.settings
    lang = i18n.language(request)
    page = {"lang": lang, "strings": i18n.strings(lang), "generation": generation,
            "basemap_url": settings.server.basemap_url,
            "band": {"min": settings.grid.households_min, "max": settings.grid.households_max}}
    return render(request, "editor.html", {"page": page})
