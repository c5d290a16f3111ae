"""Dispatch benchmarks for BENCHMARKS.md: intake, console fan-out, escalation sweep.

All three commit writes (cases, log rows, bench users), so they run on a scratch database
holding the demo: a throwaway cluster loaded now (as `make bench` does), or the database
given with --database-url (the owner's) and --app-url (the service's login), which must be
one you may write to. `--write` puts the section into that size's block of the report,
the block's other sections kept.

    .venv/bin/python -m bench.dispatch_report [--size district] [--write BENCHMARKS.md]
        [--database-url OWNER_URL --app-url APP_URL]
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import re
from pathlib import Path

from bench import dispatch_fanout, dispatch_intake, dispatch_sweep

TITLE = "### Dispatch: intake, console fan-out, escalation sweep"


def load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def run(owner_url: str, app_url: str, *, intake_rounds: int = 3, intake_seconds: int = 5,
        consoles: int = 200, fan_cases: int = 20, fan_rounds: int = 2,
        sweep_cases: int = 100_000, sweep_rounds: int = 2) -> dict:
    """The three benchmarks, one after another, with the load average around each."""
    out = {"load_before": load()}
    out["intake"] = dispatch_intake.run(owner_url, app_url, rounds=intake_rounds,
                                        seconds=intake_seconds)
    out["fanout"] = dispatch_fanout.run(owner_url, app_url, consoles=consoles,
                                        cases=fan_cases, rounds=fan_rounds)
    out["sweep"] = dispatch_sweep.run(owner_url, app_url, cases=sweep_cases,
                                      rounds=sweep_rounds)
    out["load_after"] = load()
    return out


def run_scratch(size: str, **options) -> dict:
    """run() on a throwaway cluster holding the demo of this size."""
    from bench.assign import bench_databases

    with bench_databases(None, None, size) as (owner, app):
        return run(owner, app, **options)


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def described(module) -> str:
    """A module docstring's body, without its first line and its usage lines."""
    body = module.__doc__.split("\n", 2)[2]
    return body.split("\n    .venv")[0].strip()


def section(result: dict, note: str = "") -> str:
    differences = "".join(f"\n- {d[:300]}" for d in result["intake"]["differences"][:3])
    return f"""{TITLE}

Load average before: {result['load_before']}; after: {result['load_after']}.{note}
Staff positions used for nearest-staff routing: {result['intake']['positions']:,}.

#### Intake → located → routed → stored, through the API

{described(dispatch_intake)}

{table(dispatch_intake.HEADER, dispatch_intake.report_rows(result['intake']))}
{differences}

#### Console fan-out: commit → every console

{described(dispatch_fanout)}

{table(dispatch_fanout.HEADER, dispatch_fanout.report_rows(result['fanout']))}

#### Escalation sweep

{described(dispatch_sweep)}

{table(dispatch_sweep.HEADER, dispatch_sweep.report_rows(result['sweep']))}
"""


def write(path: Path, size: str, text_of_section: str) -> None:
    """This section put into (or replaced in) the size's block of the report."""
    from bench.report import merged

    text_now = path.read_text() if path.exists() else ""
    found = re.search(rf"<!-- size:{size} -->\n(.*?)<!-- /size:{size} -->", text_now, re.S)
    block = found.group(1) if found else f"## {size.capitalize()}\n\n"
    block = re.sub(re.escape(TITLE) + r".*?(?=<!-- data:|\Z)", "", block, flags=re.S)
    data = re.search(r"<!-- data: .*? -->\n?", block)
    rest = block[:data.start()] if data else block
    tail = data.group(0) if data else ""
    block = rest.rstrip() + "\n\n" + text_of_section + "\n" + tail
    path.write_text(merged(path, size, block))


def main() -> None:
    from bench.report import commit

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=("district", "city", "small"), default="district")
    parser.add_argument("--database-url", default=None, help="a scratch database (owner)")
    parser.add_argument("--app-url", default=None, help="its service login")
    parser.add_argument("--consoles", type=int, default=200)
    parser.add_argument("--sweep-cases", type=int, default=100_000)
    parser.add_argument("--write", default=None, help="the report to put the section in")
    args = parser.parse_args()
    started = dt.datetime.now(dt.UTC)
    options = {"consoles": args.consoles, "sweep_cases": args.sweep_cases}
    if args.database_url:
        result = run(args.database_url, args.app_url, **options)
        where = "the given scratch database"
    else:
        result = run_scratch(args.size, **options)
        where = f"a throwaway cluster loaded with the {args.size} demo"
    note = (f" Measured apart from the rest of this block: commit {commit()}, "
            f"{started:%Y-%m-%d %H:%M} UTC, on {where}.")
    text_of_section = section(result, note)
    print(text_of_section)
    if args.write:
        write(Path(args.write), args.size, text_of_section)


if __name__ == "__main__":
    main()
