"""`onegrid map coverage`: the staffing coverage choropleths as one offline HTML page."""
from __future__ import annotations

from pathlib import Path

import typer

from gis.cli import context

NAME = "map"
app = typer.Typer(help="Standalone map pages.", no_args_is_help=True)


@app.command()
def coverage(out: Path = typer.Option(..., help="the page to write (FILE.html)"),
             region: str = typer.Option(None, help="district, town, village or cell code"),
             lang: str = typer.Option("zh", help="zh or en")) -> None:
    """Households per full-time worker, special populations per helper, vacancies and
    rules failed per cell, as layers of one page. It loads Leaflet from the onegrid
    server's /static (no CDN): open it from the server, or next to a copy of maps/static."""
    from gis.cli.audit import operator
    from gis.staff import audit
    from gis.staff.standards import load_standards
    from maps.coverage import coverage_map_html

    if out.suffix.lower() not in (".html", ".htm"):
        raise typer.BadParameter("the page is HTML: FILE.html", param_hint="out")
    s = context.settings()
    with context.session_scope(s, commit=True) as session:  # commits the access-log entry
        result = audit.run_audit(session, principal=operator(),
                                 standards=load_standards(s.staff.standards_path),
                                 region=region, reason="onegrid map coverage (CLI)")
        page = coverage_map_html(result, audit.cell_geometries(session, result=result),
                                 lang=lang, basemap_url=s.server.basemap_url)
    out.write_text(page, encoding="utf-8")
    typer.echo(f"{len(result['cells'])} cells drawn: {out}")
