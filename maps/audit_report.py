"""The printable staffing audit report: A4 HTML, no scripts, a map drawn as inline SVG."""
from __future__ import annotations

from jinja2 import Environment, FileSystemLoader, select_autoescape

from gis.staff.audit_export import LEVEL_NAMES, rule_names
from gis.staff.workload import DEFINITIONS, DEFINITIONS_ZH
from maps.assets import TEMPLATES_DIR
from maps.audit_text import texts

# Rules failed in a cell -> fill (0 green ... 3+ red); the same bands as the coverage map.
FAILED_BANDS = ((0, "#1a9850"), (1, "#fee08b"), (2, "#fc8d59"), (3, "#d73027"))
WORST = 30

_env = Environment(loader=FileSystemLoader(str(TEMPLATES_DIR)),
                   autoescape=select_autoescape(default=True, default_for_string=True))


def failed_colour(n: int) -> str:
    return [colour for floor, colour in FAILED_BANDS if n >= floor][-1]


def worst_cells(cells: list[dict], n: int = WORST) -> list[dict]:
    return sorted(cells, key=lambda c: (-c["rules_failed"], -c["vacancies"], c["code"]))[:n]


def percent(share) -> str:
    return "—" if share is None else f"{float(share):.1%}"


def dash(value) -> str:
    return "—" if value is None else str(value)


def render_report(result: dict, *, lang: str = "zh", shapes: list[dict] | None = None) -> str:
    """The report page; shapes: rows of gis/sql/audit_cells_svg.sql for the map (or none)."""
    by_code = {c["code"]: c for c in result["cells"]}
    frame = None
    if shapes:
        first = shapes[0]
        frame = {"x": first["x0"], "y": first["y0"], "w": first["width"] or 1,
                 "h": first["height"] or 1}
    drawn = [{"code": s["code"], "path": s["path"],
              "fill": failed_colour(by_code[s["code"]]["rules_failed"])}
             for s in shapes or [] if s["code"] in by_code]
    return _env.get_template("audit_report.html").render(
        t=texts(lang), lang=lang, result=result, totals=result["totals"],
        worst=[c | {"failed_names": rule_names(c["failed_rules"], lang)}
               for c in worst_cells(result["cells"])],
        towns=[r for r in result["regions"] if r["level"] in ("district", "town")],
        level_names={k: v[0 if lang == "zh" else 1] for k, v in LEVEL_NAMES.items()},
        frame=frame, drawn=drawn, bands=FAILED_BANDS, percent=percent, dash=dash,
        workload_definitions=DEFINITIONS_ZH if lang == "zh" else DEFINITIONS)
