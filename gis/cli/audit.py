"""`onegrid audit staffing`: the staffing audit printed, or written as CSV, XLSX or HTML."""
from __future__ import annotations

import getpass
from pathlib import Path

import typer

from gis.cli import context

NAME = "audit"
app = typer.Typer(help="Audits: staffing against the standards.", no_args_is_help=True)
FORMATS = {".csv": "csv", ".xlsx": "xlsx", ".html": "html", ".htm": "html"}


def operator():
    """The CLI runs as the database owner, for the whole area; reads are logged under the
    operating system user's name."""
    from gis.auth.principal import Principal

    return Principal(username=f"cli:{getpass.getuser()}", permissions=frozenset({"*"}),
                     via="cli")


@app.command()
def staffing(region: str = typer.Option(None, help="district, town, village or cell code"),
             out: Path = typer.Option(None, help="write FILE.csv (per cell), FILE.xlsx "
                                      "(every table) or FILE.html (printable report)"),
             lang: str = typer.Option("zh", help="zh or en (headers and report)"),
             workload_days: int = typer.Option(None, min=1, max=3660, help="the workload "
                                               "window in days (default: the standards')"),
             standards: Path = typer.Option(None, exists=True, dir_okay=False,
                                            help="a standards TOML file (default: the "
                                            "configured or shipped one)")) -> None:
    """Audit staffing per cell and region against the standards."""
    from gis.staff import audit
    from gis.staff.audit_export import export
    from gis.staff.standards import load_standards
    from maps.audit_report import render_report

    fmt = FORMATS.get(out.suffix.lower()) if out else None
    if out and fmt is None:
        raise typer.BadParameter(f"--out must end in one of {sorted(FORMATS)}", param_hint="out")
    if lang not in ("zh", "en"):
        raise typer.BadParameter("zh or en", param_hint="lang")
    s = context.settings()
    rules = load_standards(standards or s.staff.standards_path)
    with context.session_scope(s, commit=True) as session:  # commits the access-log entry
        result = audit.run_audit(session, principal=operator(), standards=rules,
                                 region=region, workload_days=workload_days,
                                 reason="onegrid audit staffing (CLI)")
        if fmt == "html":
            out.write_text(render_report(result, lang=lang,
                                         shapes=audit.cell_shapes(session, result=result)),
                           encoding="utf-8")
        elif fmt:
            out.write_bytes(export(result, fmt=fmt, lang=lang)[0])
    typer.echo(summary(result))
    if out:
        typer.echo(f"written: {out}")


def summary(result: dict) -> str:
    t = result["totals"]
    lines = [f"staffing audit as of {result['as_of']} (generation {result['generation']})"
             f"{' under ' + result['region'] if result['region'] else ''}",
             f"  cells {t['cells']}, households {t['households']}, grid heads {t['grid_heads']},"
             f" full-time workers {t['fulltime_workers']}, households per full-time worker "
             f"{t['households_per_fulltime']}",
             f"  vacancies {t['vacancies']}, cells failing a rule {t['cells_failing']}, "
             f"workers to look at {len(result['workers'])}"]
    lines += [f"  {r['status']:>8}  {r['rule']}: {r['failed']} of {r['checked']} cells fail"
              for r in result["rules"]]
    w = result["workload"]
    wt = w["totals"]
    lines.append(f"  workload: open cases {wt['open_cases']}, overdue {wt['overdue_cases']}; "
                 f"last {w['window_days']} days: dispatched {wt['received_cases']}, closed "
                 f"{wt['closed_cases']} (closure rate {_share(wt['closure_rate'])}), median "
                 f"hours to close {_value(wt['median_hours_to_close'])}; workers with cases "
                 f"{len(w['workers'])}")
    return "\n".join(lines)


def _value(v) -> str:
    return "—" if v is None else f"{v}"


def _share(v) -> str:
    return "—" if v is None else f"{float(v):.1%}"
