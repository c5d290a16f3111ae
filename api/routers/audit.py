"""/audit/staffing: the staffing audit as JSON, CSV, XLSX or a printable HTML report."""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.responses import HTMLResponse

from api.auth import AccessContextDep
from api.deps import PrincipalDep, SessionDep, SettingsDep
from api.security_headers import content_security_policy, script_hashes
from gis.staff import audit as service
from gis.staff.audit_export import TABLES, export
from gis.staff.standards import load_standards
from maps.audit_report import render_report
from maps.coverage import MEASURES, bands, coverage_features, coverage_map_html

router = APIRouter(tags=["staff"])

AuditRegion = Annotated[str | None, Query(
    pattern="^([0-9]{6}|[0-9]{9}|[0-9]{12}|[0-9]{15})$",
    description="district, town, village or cell code (default: the caller's whole area)")]
AuditFormat = Annotated[str, Query(pattern="^(json|csv|xlsx|html)$")]
Lang = Annotated[str, Query(pattern="^(zh|en)$", description="headers and report language")]
WorkloadDays = Annotated[int | None, Query(
    ge=1, le=3660, description="workload window in days (default: the standards' "
    "workload.window_days, 90 as shipped)")]
Table = Annotated[str, Query(pattern="^(" + "|".join(TABLES) + ")$",
                             description="which table a CSV holds (XLSX holds them all)")]


def _plain(value):
    """Decimals (SQL numeric) as FastAPI would write them: whole ones as ints."""
    if isinstance(value, Decimal):
        return int(value) if value.as_tuple().exponent >= 0 else float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def json_response(result: dict) -> Response:
    """The audit as JSON, written directly: FastAPI's jsonable_encoder walked the 1,000
    cells of the district demo field by field, ~250 ms of a ~600 ms request."""
    return Response(json.dumps(result, default=_plain, ensure_ascii=False,
                               separators=(",", ":")), media_type="application/json")


def audit_result(session, principal, settings, access, region, workload_days=None):
    principal.require("audit:read")
    return service.run_audit(session, principal=principal,
                             standards=load_standards(settings.staff.standards_path),
                             region=region, workload_days=workload_days,
                             reason=access.reason, client=access.client)


@router.get("/audit/staffing", summary="Staffing audit per cell and region: each standard "
            "pass/fail with its numbers, vacancies, workers to look at, trends by month, "
            "workload from cases per worker, cell and region")
def staffing(session: SessionDep, principal: PrincipalDep, settings: SettingsDep,
             access: AccessContextDep, region: AuditRegion = None,
             format: AuditFormat = "json", lang: Lang = "zh", table: Table = "cells",
             workload_days: WorkloadDays = None):
    result = audit_result(session, principal, settings, access, region, workload_days)
    if format == "json":
        return json_response(result)
    if format == "html":
        page = render_report(result, lang=lang,
                             shapes=service.cell_shapes(session, result=result))
        # No script at all; the report's own stylesheet (print layout) is inline.
        return HTMLResponse(page, headers={
            "Content-Security-Policy": content_security_policy(inline_styles=True)})
    content, media_type = export(result, fmt=format, lang=lang, name=table)
    name = f"staffing-audit-{result['as_of']}" + (f"-{table}" if format == "csv" else "")
    return Response(content, media_type=media_type, headers={
        "Content-Disposition": f'attachment; filename="{name}.{format}"'})


@router.get("/audit/staffing/map", response_class=HTMLResponse,
            summary="Coverage choropleths (households per full-time worker, special "
                    "populations per helper, households per serving party member and the "
                    "share they look after, vacancies, rules failed) as an offline page")
def coverage_map(session: SessionDep, principal: PrincipalDep, settings: SettingsDep,
                 access: AccessContextDep, region: AuditRegion = None,
                 lang: Lang = "zh") -> HTMLResponse:
    result = audit_result(session, principal, settings, access, region)
    basemap = settings.server.basemap_url
    page = coverage_map_html(result, service.cell_geometries(session, result=result),
                             lang=lang, basemap_url=basemap)
    # folium writes its map as inline scripts: allowed by hash, no other inline script runs
    policy = content_security_policy(basemap_url=basemap, hashes=tuple(script_hashes(page)),
                                     inline_styles=True)
    return HTMLResponse(page, headers={"Content-Security-Policy": policy})


@router.get("/audit/staffing/cells", summary="Audited cells as GeoJSON with each measure "
            "(the dashboard's coverage layers) and the colour bands of each")
def coverage_geojson(session: SessionDep, principal: PrincipalDep, settings: SettingsDep,
                     access: AccessContextDep, region: AuditRegion = None) -> dict:
    result = audit_result(session, principal, settings, access, region)
    geometries = service.cell_geometries(session, result=result)
    return {"type": "FeatureCollection",
            "features": coverage_features(result, geometries, escape=False),
            "bands": {m: bands(m, result["standards"]) for m in MEASURES}}
