"""HTML pages: the start page and the web map (Leaflet, served from /static, no CDN)."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from maps.assets import TEMPLATES_DIR

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
templates.env.autoescape = True  # every template, whatever its extension: data is text

LINKS = [
    ("/map", "Web map", "cells, villages and towns of the active generation; click to locate"),
    ("/docs", "API documentation", "OpenAPI, try every endpoint"),
    ("/healthz", "Health", "database and PostGIS version"),
    ("/regions?level=town", "Regions (GeoJSON)", "districts, towns and villages"),
    ("/cells?limit=100", "Cells (GeoJSON)", "cells of the active generation, paged"),
]


@router.get("/", response_class=HTMLResponse)
def start_page(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(request, "start.html", {"links": LINKS})


@router.get("/map", response_class=HTMLResponse)
def web_map(request: Request) -> HTMLResponse:
    basemap = request.app.state.settings.server.basemap_url
    return templates.TemplateResponse(request, "map.html", {"basemap_url": basemap})
