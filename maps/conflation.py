"""The conflation map: a departmental layer over the unified cells, coloured by agreement."""
from __future__ import annotations

import html

import folium
from shapely.geometry import shape

from gis.layers.schemas import Conflation
from maps.folium_offline import offline_map, render_offline

# Best share of a legacy cell in one unified cell → colour (green agrees, red does not).
BANDS = ((0.95, "#1a9850", "≥ 95% in one cell"), (0.5, "#fdae61", "50–95%"),
         (0.0, "#d73027", "< 50% or outside the grid"))
UNCOVERED = "#7b3294"


def colour_for(best_share: float) -> str:
    return next(colour for floor, colour, _ in BANDS if best_share >= floor)


def conflation_map_html(result: Conflation, *, cells: dict | None = None,
                        basemap_url: str = "") -> str:
    """An offline HTML page; `cells` is the unified grid's FeatureCollection for context."""
    fmap = offline_map(basemap_url=basemap_url, control_scale=True)
    if cells and cells.get("features"):
        folium.GeoJson(_escaped(cells), name="unified cells (统一网格)",
                       style_function=lambda f: {"color": "#333", "weight": 1,
                                                 "fill": False},
                       tooltip=folium.GeoJsonTooltip(["code", "name"], aliases=["cell", "name"])
                       ).add_to(fmap)
    legacy = _legacy_collection(result)
    if legacy["features"]:
        folium.GeoJson(legacy, name=f"{html.escape(result.layer.department)} layer",
                       style_function=_legacy_style,
                       tooltip=folium.GeoJsonTooltip(
                           ["source_code", "name", "best_cell", "best_percent", "cells"],
                           aliases=["code", "name", "best unified cell", "share there",
                                    "unified cells"])).add_to(fmap)
    if result.uncovered:
        folium.GeoJson(_uncovered_collection(result), name="not covered by the layer",
                       style_function=lambda f: {"color": UNCOVERED, "weight": 1,
                                                 "fillColor": UNCOVERED, "fillOpacity": 0.45},
                       tooltip=folium.GeoJsonTooltip(["village", "area_m2"],
                                                     aliases=["village", "m²"])).add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    bounds = _bounds([*legacy["features"], *(cells or {}).get("features", [])])
    if bounds:
        fmap.fit_bounds(bounds)
    fmap.get_root().html.add_child(folium.Element(_legend(result)))
    return render_offline(fmap)


def _legacy_style(feature) -> dict:
    props = feature["properties"]
    return {"color": colour_for(props["best_share"]), "weight": 2,
            "dashArray": "6 4" if props["split"] else None,
            "fillColor": colour_for(props["best_share"]), "fillOpacity": 0.3}


def _legacy_collection(result: Conflation) -> dict:
    # Codes and names come from uploaded files: escaped, as the tooltip inserts them as HTML
    # (and no "</script>" can end the inline script that carries them early).
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": m.geometry, "properties": {
            "source_code": html.escape(m.source_code or "—"),
            "name": html.escape(m.name or "—"), "best_cell": html.escape(m.best_cell or "none"),
            "best_share": m.best_share, "best_percent": f"{m.best_share:.0%}",
            "cells": html.escape(", ".join(m.cells) or "none"), "split": m.split}}
        for m in result.matches if m.geometry]}


def _uncovered_collection(result: Conflation) -> dict:
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": u.geometry, "properties": {
            "village": html.escape(f"{u.village_name} {u.village_code}"),
            "area_m2": f"{u.area_m2:,.0f}"}} for u in result.uncovered]}


def _escaped(collection: dict) -> dict:
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": f["geometry"],
         "properties": {"code": html.escape(str(f["properties"].get("code") or "")),
                        "name": html.escape(str(f["properties"].get("name") or ""))}}
        for f in collection["features"]]}


def _bounds(features: list[dict]) -> list[list[float]] | None:
    boxes = [shape(f["geometry"]).bounds for f in features if f.get("geometry")]
    if not boxes:
        return None
    west, south = min(b[0] for b in boxes), min(b[1] for b in boxes)
    east, north = max(b[2] for b in boxes), max(b[3] for b in boxes)
    return [[south, west], [north, east]]  # Leaflet wants [lat, lon]


def _legend(result: Conflation) -> str:
    layer = result.layer
    rows = "".join(f'<div><span style="background:{c}">&nbsp;&nbsp;&nbsp;</span> {label}</div>'
                   for _, c, label in BANDS)
    return (
        '<div style="position:fixed;top:10px;left:50px;z-index:1000;background:#fff;'
        'padding:6px 10px;border:1px solid #999;font:13px sans-serif">'
        f"<b>{html.escape(layer.department)} · {html.escape(layer.name)}</b> vs generation "
        f"{result.generation}<br>agreement {result.agreement:.1%} · {result.legacy_cells} "
        f"legacy cells, {result.split_cells} split, {result.unmatched_cells} outside the grid"
        f" · uncovered {result.uncovered_m2:,.0f} m²{rows}"
        f'<div><span style="background:{UNCOVERED}">&nbsp;&nbsp;&nbsp;</span> not covered'
        "</div><div>dashed: split across unified cells</div></div>")
