"""Coverage choropleths of the staffing audit as one offline folium page (a layer per measure)."""
from __future__ import annotations

import html

import folium
from shapely.geometry import shape

from maps.audit_report import FAILED_BANDS
from maps.audit_text import texts
from maps.folium_offline import offline_map, render_offline

NO_VALUE = "#bdbdbd"  # no full-time worker / helper / party member: no ratio
MEASURES = ("households_per_fulltime", "special_per_helper", "households_per_party_member",
            "party_households_share", "vacancies", "rules_failed")
# what a cell without a value lacks (the text key of its legend row and tooltip); the
# measures not named here always have a value
NO_VALUE_TEXT = {"households_per_fulltime": "no_fulltime", "special_per_helper": "no_helper",
                 "households_per_party_member": "no_party_member",
                 "party_households_share": "no_party_member_or_households"}
# extra tooltip fields of a measure's layer: the counts behind its ratio
DETAIL = {"households_per_party_member": ("party_members", "party_households"),
          "party_households_share": ("party_members", "party_households")}


def pivot(top: float) -> tuple[tuple[float, str, str], ...]:
    """Four bands around a standard's maximum: a cell exactly at it is still green (the rule
    fails above it). Ratios are rounded to 0.1, so +0.05 starts a band just above a bound."""
    return ((0, "#1a9850", f"≤ {top / 2:g}"), (top / 2 + 0.05, "#a6d96a", f"{top / 2:g}–{top:g}"),
            (top + 0.05, "#fc8d59", f"> {top:g}"),
            (top * 1.5 + 0.05, "#d73027", f"> {top * 1.5:g}"))


def bands(measure: str, standards: dict) -> tuple[tuple[float, str, str], ...]:
    """(lower bound, colour, label) per band, ascending; households per worker and per
    party member pivot on their standard's max_households."""
    if measure == "households_per_fulltime":
        return pivot(standards["households_per_fulltime"]["max_households"])
    if measure == "households_per_party_member":
        # 0 (members registered, none looking after a household) apart from a light load;
        # a cell with no member at all has no ratio (NO_VALUE)
        (_, light, label), *rest = pivot(standards[measure]["max_households"])
        return ((0, "#c2a5cf", "0"), (0.05, light, label), *rest)
    if measure == "party_households_share":
        # no standard to judge it by: a neutral sequential scale; any household looked
        # after, however few, leaves the 0 band
        return ((0, "#c2a5cf", "0"), (1e-9, "#deebf7", "< 10%"), (0.1, "#9ecae1", "10–25%"),
                (0.25, "#4292c6", "25–50%"), (0.5, "#08519c", "≥ 50%"))
    if measure == "special_per_helper":
        return ((0, "#1a9850", "< 10"), (10, "#a6d96a", "10–30"), (30, "#fc8d59", "30–60"),
                (60, "#d73027", "≥ 60"))
    # vacancies and rules failed: 0, 1, 2, 3+
    return tuple((floor, c, f"{floor}+" if floor == 3 else f"{floor}")
                 for floor, c in FAILED_BANDS)


def colour(value, scale) -> str:
    if value is None:
        return NO_VALUE
    return [c for floor, c, _ in scale if float(value) >= floor][-1]


def party_households_share(cell: dict) -> float | None:
    """The share of the cell's households that its serving party members look after; no
    value where no member is registered (or nobody lives)."""
    if not cell["party_members"] or not cell["households"]:
        return None
    return cell["party_households"] / cell["households"]


def measured(cell: dict) -> dict:
    """Each measure of a cell as a number, None where it has no value."""
    values = {m: cell.get(m) for m in MEASURES}
    values["party_households_share"] = party_households_share(cell)
    return {m: None if v is None else float(v) for m, v in values.items()}


def shown(measure: str, value: float | None, raw) -> str:
    if value is None:
        return "—"
    return f"{value:.1%}" if measure == "party_households_share" else str(raw)


def coverage_features(result: dict, geometries: dict, *, escape: bool = True) -> list[dict]:
    """GeoJSON features of the audited cells with each measure. escape: for folium, whose
    tooltip inserts values as HTML (names come from imported files); the dashboard puts
    them in as text and wants them raw."""
    esc = html.escape if escape else str
    out = []
    for cell in result["cells"]:
        geometry = geometries.get(cell["code"])
        if geometry is None:
            continue
        props = measured(cell)
        props |= {"code": esc(cell["code"]), "name": esc(cell["name"] or ""),
                  "households": cell["households"], "fulltime": cell["fulltime_workers"],
                  "party_members": cell["party_members"],
                  "party_households": cell["party_households"],
                  "failed": esc(", ".join(cell["failed_rules"]) or "—"),
                  **{f"{m}_text": shown(m, props[m], cell.get(m)) for m in MEASURES}}
        out.append({"type": "Feature", "geometry": geometry, "properties": props})
    return out


def coverage_map_html(result: dict, geometries: dict, *, lang: str = "zh",
                      basemap_url: str = "") -> str:
    """An offline page: one choropleth layer per measure (the first shown), a legend each."""
    t = texts(lang)
    fmap = offline_map(basemap_url=basemap_url, control_scale=True)
    # the bundled Chinese font and the favicon, as on every onegrid page (maps/conflation.py)
    fmap.get_root().header.add_child(folium.Element(
        '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">'
        '<link rel="stylesheet" href="/static/vendor/noto-sans-sc/400.css">'
        '<link rel="stylesheet" href="/static/css/folium.css">'))
    features = coverage_features(result, geometries)
    collection = {"type": "FeatureCollection", "features": features}
    tooltip_fields = ["code", "name", "households", "fulltime", "failed"]
    aliases = [t["cell_code"], t["cell_name"], t["households"], t["fulltime_workers"],
               t["failed_rules"]]
    # folium's tooltip refuses a layer without features: an empty audit gets a note
    for n, measure in enumerate(MEASURES if features else ()):
        scale = bands(measure, result["standards"])
        folium.GeoJson(
            collection, name=t[measure], show=n == 0,
            style_function=lambda f, m=measure, s=scale: {
                "color": "#444", "weight": 0.7, "fillOpacity": 0.7,
                "fillColor": colour(f["properties"][m], s)},
            tooltip=folium.GeoJsonTooltip(
                [*tooltip_fields, *DETAIL.get(measure, ()), f"{measure}_text"],
                aliases=[*aliases, *(t[d] for d in DETAIL.get(measure, ())), t[measure]]),
        ).add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    boxes = [shape(f["geometry"]).bounds for f in features]
    if boxes:
        fmap.fit_bounds([[min(b[1] for b in boxes), min(b[0] for b in boxes)],
                         [max(b[3] for b in boxes), max(b[2] for b in boxes)]])
    fmap.get_root().html.add_child(folium.Element(_legend(result, t)))
    if not features:
        fmap.get_root().html.add_child(folium.Element(
            f'<div id="no-cells" style="position:fixed;top:10px;left:60px;z-index:1000;'
            f'background:#fff;padding:6px 10px">{html.escape(t["no_data"])}</div>'))
    return render_offline(fmap)


def _legend(result: dict, t: dict) -> str:
    blocks = []
    for measure in MEASURES:
        scale = bands(measure, result["standards"])
        if measure in NO_VALUE_TEXT:
            scale = (*scale, (None, NO_VALUE, t[NO_VALUE_TEXT[measure]]))
        rows = "".join(f'<div><span style="background:{c}">&nbsp;&nbsp;&nbsp;</span> '
                       f"{html.escape(label)}</div>" for _, c, label in scale)
        blocks.append(f"<div><b>{html.escape(t[measure])}</b>{rows}</div>")
    # above the scale bar (bottom left)
    return ('<div id="coverage-legend" style="position:fixed;bottom:50px;left:10px;'
            'z-index:1000;background:#fff;padding:6px 10px;border:1px solid #999;'
            'font-size:12px;display:flex;gap:12px">'  # the page's font (folium.css)
            + "".join(blocks) + "</div>")
