"""The conflation map: a departmental layer over the unified cells, coloured by agreement."""
from __future__ import annotations

import html

import folium
from shapely.geometry import shape

from gis.layers.schemas import Conflation
from maps.folium_offline import offline_map, render_offline
from maps.i18n import DEFAULT, strings

# Best share of a legacy cell in one unified cell → colour (green agrees, red does not);
# the labels are catalogue keys (maps/i18n.py).
BANDS = ((0.95, "#1a9850", "conflation.band_high"), (0.5, "#fdae61", "conflation.band_mid"),
         (0.0, "#d73027", "conflation.band_low"))
UNCOVERED = "#7b3294"


def colour_for(best_share: float) -> str:
    return next(colour for floor, colour, _ in BANDS if best_share >= floor)


def conflation_map_html(result: Conflation, *, cells: dict | None = None,
                        basemap_url: str = "", lang: str = DEFAULT) -> str:
    """An offline HTML page; `cells` is the unified grid's FeatureCollection for context."""
    t = strings(lang)
    fmap = offline_map(basemap_url=basemap_url, control_scale=True)
    # the bundled Chinese font and the favicon, as on every onegrid page
    fmap.get_root().header.add_child(folium.Element(
        '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">'
        '<link rel="stylesheet" href="/static/vendor/noto-sans-sc/400.css">'
        '<link rel="stylesheet" href="/static/css/folium.css">'))
    if cells and cells.get("features"):
        folium.GeoJson(_escaped(cells), name=html.escape(t["conflation.cells"]),
                       style_function=lambda f: {"color": "#333", "weight": 1,
                                                 "fill": False},
                       tooltip=folium.GeoJsonTooltip(["code", "name"], aliases=[
                           t["conflation.code"], t["conflation.name"]])).add_to(fmap)
    legacy = _legacy_collection(result)
    if legacy["features"]:
        folium.GeoJson(legacy, name=html.escape(
                           f"{result.layer.department} · {t['conflation.layer']}"),
                       style_function=_legacy_style,
                       tooltip=folium.GeoJsonTooltip(
                           ["source_code", "name", "best_cell", "best_percent", "cells"],
                           aliases=[t["conflation.code"], t["conflation.name"],
                                    t["conflation.best_cell"], t["conflation.share"],
                                    t["conflation.cells_list"]])).add_to(fmap)
    if result.uncovered:
        folium.GeoJson(_uncovered_collection(result),
                       name=html.escape(t["conflation.uncovered"]),
                       style_function=lambda f: {"color": UNCOVERED, "weight": 1,
                                                 "fillColor": UNCOVERED, "fillOpacity": 0.45},
                       tooltip=folium.GeoJsonTooltip(["village", "area_m2"], aliases=[
                           t["conflation.village"], "m²"])).add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    bounds = _bounds([*legacy["features"], *(cells or {}).get("features", [])])
    if bounds:
        fmap.fit_bounds(bounds)
    fmap.get_root().html.add_child(folium.Element(_legend(result, t)))
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


def _legend(result: Conflation, t: dict[str, str]) -> str:
    layer = result.layer
    e = html.escape
    rows = "".join(f'<div><span style="background:{c}">&nbsp;&nbsp;&nbsp;</span> '
                   f"{e(t[key])}</div>" for _, c, key in BANDS)
    return (
        '<div class="conflation-legend" style="position:fixed;top:10px;left:50px;'
        'z-index:1000;background:#fff;padding:6px 10px;border:1px solid #999;font-size:13px">'
        f"<b>{e(layer.department)} · {e(layer.name)}</b> {e(t['conflation.vs'])} "
        f"{result.generation}<br>{e(t['conflation.agreement'])} {result.agreement:.1%} · "
        f"{result.legacy_cells} {e(t['conflation.legacy'])}, {result.split_cells} "
        f"{e(t['conflation.split'])}, {result.unmatched_cells} {e(t['conflation.outside'])}"
        f" · {e(t['conflation.uncovered_m2'])} {result.uncovered_m2:,.0f}{rows}"
        f'<div><span style="background:{UNCOVERED}">&nbsp;&nbsp;&nbsp;</span> '
        f"{e(t['conflation.uncovered'])}</div><div>{e(t['conflation.dashed'])}</div></div>")
