"""`make bench`: run the like-for-like benchmarks and write BENCHMARKS.md.

Runs on the database the service uses (DATABASE_URL, else the embedded cluster), which
must hold a demo (`onegrid demo load --size district`, or `--size city`); the size is
read from the data and written in the report. Every figure sits beside its peer from the
same run, with the ratio, rounds, the load average before and after, the commit and the
date. The bulk assignment rows (bench/assign_bulk.py) commit, so they run on a throwaway
cluster loaded with a demo of the same size (never on the service's database); so do the
dispatch rows (bench/dispatch_report.py: intake, console fan-out, escalation sweep).
bench.import_xlsx and bench.assign (the older building-model rows) are run by hand.

    .venv/bin/python -m bench.report [--rounds 5] [--out BENCHMARKS.md]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import statistics
import subprocess
from pathlib import Path

from sqlalchemy import text

from bench import (
    assign_bulk,
    audit,
    dispatch_report,
    impact,
    locate,
    map_paint,
    reads,
    rollup_writes,
    tiles,
    validate,
)
from bench.common import engine

ROOT = Path(__file__).resolve().parents[1]


def commit() -> str:
    out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                         capture_output=True, text=True)
    # the report itself does not count (a second size rewrites the first one's file)
    dirty = subprocess.run(["git", "status", "--porcelain", "--", ".", ":!BENCHMARKS.md"],
                           cwd=ROOT, capture_output=True, text=True).stdout.strip()
    return (out.stdout.strip() or "unknown") + (" (with uncommitted changes)" if dirty else "")


def data_size() -> tuple[str, str]:
    db = engine()
    with db.connect() as conn:
        households, cells = conn.execute(text(
            "SELECT (SELECT count(*) FROM households), (SELECT count(*) FROM grid_cells)")
        ).one()
    db.dispose()
    size = "city" if households >= 500_000 else "district"
    return size, f"{households:,} households, {cells:,} cells"


def load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def assign_rows(size: str, rounds: int, timeout_s: int) -> dict:
    """The bulk assignment rows, on a throwaway cluster holding the demo of this size."""
    from bench.assign import bench_databases

    with bench_databases(None, None, size) as (owner, app):
        return assign_bulk.run(owner, app, rounds=rounds, timeout_s=timeout_s)


ASSIGN_TITLE = "### Bulk assignment, persisted: ours vs geopandas.sjoin + writing the result back"


def assign_section(assigned: dict, rounds: int, note: str = "") -> str:
    return f"""{ASSIGN_TITLE}

{assign_bulk.__doc__.split(chr(10), 2)[2].strip()} {rounds} rounds.{note}

{table(["model", "variant", "writes", "time", "rows", "ours / it"],
       assign_bulk.report_rows(assigned))}

Goal (issue 13): coordinates only, ours at most 2x the peer (sjoin + write-back).
"""


def locate_section(measured: dict) -> str:
    doc = locate.__doc__.split(chr(10), 2)[2].split("    .venv")[0].strip()
    return f"""### /locate vs a plain FastAPI route with one ST_Covers query (HTTP)

{doc}

{measured['points']:,} points; {measured['rounds']} rounds of {measured['seconds']} s per
endpoint with {measured['connections']} connections, the order rotated each round; medians.
Answers compared on {measured['compared']} points: {measured['differ']} differ.

{table(["endpoint", "req/s", "p50", "p99", "errors", "/locate / it (req/s)"],
       locate.report_rows(measured))}
"""


def impact_section(measured: dict) -> str:
    doc = impact.__doc__.split(chr(10), 2)[2].split("    .venv")[0].strip()
    return f"""### The editor's impact preview of an edit touching two cells

{doc}

{table(impact.HEADER, impact.rows(measured))}

Goal (issue 15): at most 300 ms on the city demo.
"""


def validate_section(measured) -> str:
    rows, proposal, big, households = measured
    doc = validate.__doc__.split(chr(10), 2)[2].split("    .venv")[0].strip()
    return f"""### Validation vs a plain self-join

{doc}

{table(["generation", "cells", "check", "ms", "findings", "vs ours"],
       [[str(v) for v in row] for row in rows])}

Proposals on the district ({households:,} households): band {proposal['band'][0]}..\
{proposal['band'][1]} gives {proposal['cells']:,} cells, {proposal['share_in_band']:.1%} in
band ({(proposal['share_in_band_where_possible'] or 0):.1%} where the village holds enough
households), {proposal['seconds']} s; band {big['band'][0]}..{big['band'][1]} gives
{big['cells']:,} cells in {big['seconds']} s.
"""


def only_assign(path: Path, size: str, rounds: int, timeout_s: int) -> None:
    """Re-run the bulk assignment rows alone and put them into this size's block of the
    report, the other sections of the block kept as they were (with their own commit)."""
    load_before = load()
    assigned = assign_rows(size, rounds, timeout_s)
    note = (f" Measured apart from the rest of this block: commit {commit()}, "
            f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, load average before "
            f"{load_before}, after {load()}.")
    section = assign_section(assigned, rounds, note)
    text_now = path.read_text()
    found = re.search(rf"<!-- size:{size} -->\n(.*?)<!-- /size:{size} -->", text_now, re.S)
    if not found:
        raise SystemExit(f"no {size} block in {path}: run the whole report first")
    block = re.sub(re.escape(ASSIGN_TITLE) + r".*?(?=<!-- data:)", "", found.group(1),
                   flags=re.S)
    data = re.search(r"<!-- data: (.*?) -->", block)
    values = json.loads(data.group(1)) if data else {}
    values["assign"] = {f"{m}: {r.label}": r.median() for m, rows in assigned.items()
                        for r in rows}
    block = re.sub(r"<!-- data: .*? -->\n?", "", block)
    block = block.rstrip() + "\n\n" + section + f"\n<!-- data: {json.dumps(values)} -->\n"
    path.write_text(merged(path, size, block))


READS_TITLE = "### Reads as the app role (row-level security on) vs the owner's plan"


def reads_section(pairs, rounds: int, timeout_s: int, note: str = "") -> str:
    return f"""{READS_TITLE}

The service code behind each request, in one process, no HTTP. "app role" runs as
`onegrid_app` scoped to the caller (admin: unrestricted; town: a town manager; worker:
three cells); "owner" runs the same call, same SQL, as the database owner, whom
row-level security does not apply to (it returns the same rows for admin, more for the
others). Ratio = app role / owner; the goal is at most 1.5x. Median over {rounds}
rounds (min-max), the two alternating; a sample is the mean of as many calls as fill
50 ms, the garbage collector run before it, untimed; a statement over {timeout_s} s
counts as a time-out.{note}

{table(["read", "caller", "app role", "owner", "ratio"],
       [[a.name, a.caller, a.shown(), o.shown(), reads.ratio_of(a, o)] for a, o in pairs])}
"""


WRITES_TITLE = "### Keeping rollups current: deltas vs recount vs the writes alone"


def writes_section(writes: dict, note: str = "") -> str:
    return f"""{WRITES_TITLE}

{rollup_writes.__doc__.split(chr(10), 2)[2].split("    .venv")[0].strip()}{note}

{table(rollup_writes.HEADER, rollup_writes.summary(writes))}
"""


def only_section(path: Path, size: str, what: str, args) -> None:
    """Re-run one section's rows alone ("reads": as the app role and the owner; "writes":
    the rollup upkeep, rolled back) on the service's database and put them in place in
    this size's block, the other sections kept as they were (with their own commit)."""
    load_before = load()
    if what == "reads":
        measured = reads.run(rounds=args.rounds, timeout_s=args.timeout)
    else:
        measured = rollup_writes.run(rounds=args.write_rounds)
    note = (f"\n\nMeasured apart from the rest of this block: commit {commit()}, "
            f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, load average before "
            f"{load_before}, after {load()}.")
    section, title = ((reads_section(measured, args.rounds, args.timeout, note), READS_TITLE)
                      if what == "reads" else (writes_section(measured, note), WRITES_TITLE))
    text_now = path.read_text()
    found = re.search(rf"<!-- size:{size} -->\n(.*?)<!-- /size:{size} -->", text_now, re.S)
    if not found or title not in found.group(1):
        raise SystemExit(f"no {size} block with that section in {path}: run the whole "
                         "report first")
    block = re.sub(re.escape(title) + r".*?(?=\n### )", lambda _: section, found.group(1),
                   count=1, flags=re.S)
    data = re.search(r"<!-- data: (.*?) -->", block)
    values = json.loads(data.group(1)) if data else {}
    fresh = (section_data(measured, {}, []) if what == "reads"
             else section_data([], measured, []))
    values[what] = fresh[what]
    block = re.sub(r"<!-- data: .*? -->", lambda _: f"<!-- data: {json.dumps(values)} -->",
                   block)
    path.write_text(merged(path, size, block))


def section_data(pairs, writes, tile_rows, assigned=None) -> dict:
    """The medians of this run, kept in the report (a comment) to compare sizes later."""
    rps, features = {}, {}
    for row in tile_rows:
        found = re.match(r"(\d+) req/s", row[1])
        if found:
            rps[row[0].split()[0]] = int(found.group(1))
        per_tile = re.search(r"([\d.]+) cells per tile", row[0])
        if per_tile:
            features[row[0].split()[0]] = float(per_tile.group(1))
    return {"reads": {f"{a.name} ({a.caller})": a.median_s for a, _ in pairs},
            "writes": {f"{scenario}: {variant}": statistics.median(t)
                       for scenario, by_variant in writes.items()
                       for variant, t in by_variant.items()},
            "tiles": rps,
            "tile_features": features,
            "assign": {f"{model}: {row.label}": row.median()
                       for model, rows in (assigned or {}).items() for row in rows}}


def growth(blocks: dict[str, str]) -> str:
    """District -> city, per row: how much slower (a reciprocal for tiles' req/s)."""
    data = {}
    for size, block in blocks.items():
        found = re.search(r"<!-- data: (.*?) -->", block)
        if found:
            data[size] = json.loads(found.group(1))
    if not {"district", "city"} <= data.keys():
        return ""
    district, city = data["district"], data["city"]
    commits = {size: (re.search(r"^Commit (\w+)", block, re.M) or [None, "?"])[1]
               for size, block in blocks.items()}
    caveat = ""
    if commits.get("district") != commits.get("city"):
        caveat = (f" The two blocks come from different runs (district: commit "
                  f"{commits.get('district')}, city: commit {commits.get('city')}): code "
                  "and demo may differ between them (the demo's cell count follows the "
                  "household band since the district's commit), so a row here compares "
                  "more than size. Run `make bench` on a city database to refresh it.")
    scale = households(blocks.get("city", "")) / households(blocks.get("district", ""))
    rows, notes, worse = [], [], 0
    for kind, unit in (("reads", "s"), ("writes", "s"), ("tiles", "req/s"), ("assign", "s")):
        for key, small in district.get(kind, {}).items():
            large = city.get(kind, {}).get(key)
            if small and large:
                factor = small / large if unit == "req/s" else large / small
                name = f"{kind}: {key}"
                limit = (1.0 if bounded(name) else scale) * TOLERANCE
                worse += factor > limit
                rows.append([name, f"{factor:.1f}x",
                             "yes" if factor <= limit else f"no ({factor / limit:.1f}x over)",
                             why(name, factor, district, city, notes)
                             if factor > limit else ""])
    listed = "".join(f"\n({n}) {note}" for n, note in enumerate(notes, 1))
    return ("## Growth from district to city\n\nHow many times slower each row is on the "
            f"city ({scale:.0f}x the households of the district). \"linear?\": whether "
            f"the row grows at most as its work does, with {TOLERANCE}x for noise: "
            f"{scale:.0f}x for the bulk rows, a count over the data and the every-cell "
            "list, about 1x for a page, a tile, a 1,000-cell page and single-row writes "
            f"(their work is bounded); {worse} of {len(rows)} rows grow more. \"why\": "
            "for a row that grows more, its reason when known (notes below the table)."
            + caveat + "\n\n"
            + table(["row", "city / district", "linear?", "why"], rows) + "\n" + listed
            + ("\n" if listed else ""))


TOLERANCE = 1.5  # a factor up to 1.5x what the work grows by counts as linear (noise)
# Rows whose work does not grow with the data: a page, a tile (same area), single inserts.
BOUNDED = ("reads: tile z", "tiles: z", "/households limit=100", "writes: 200 persons added")
UNBOUNDED = ("count=true",)  # a count over the caller's data


def bounded(row: str) -> bool:
    return any(part in row for part in BOUNDED) and not any(p in row for p in UNBOUNDED)


def households(block: str) -> float:
    """The households of a block's demo, from its heading ("## City: 1,000,000 households")."""
    found = re.search(r"([\d,]+) households", block)
    return float(found.group(1).replace(",", "")) if found else 1.0


# Rows known to grow faster than their size for a reason outside the code they measure
# (found with EXPLAIN (ANALYZE, BUFFERS) on both sizes): a part of the row's name -> why.
TILE_WHY = ("A tile covers the same area on both sizes; the city's cells are about 10x "
            "denser, so a z10 or z12 tile carries about 10x the features (a z14 tile "
            "fewer: cells larger than the tile). bench/tiles.py records the cells per "
            "tile; per cell the work does not grow.")
GROWTH_WHY = {
    "tile z": TILE_WHY,
    "tiles: z": TILE_WHY,
    "/cells limit=1000": "The district has fewer cells than the page holds: a shorter page.",
    "coordinates only:": "The scenario first sets every household's located_by in the "
                         "same (rolled-back) transaction, untimed: a second version of "
                         "every household row, unvacuumed and unanalysed, which the timed "
                         "join then reads past (likely: inferred from the setup's own "
                         "time and from the same join committed and vacuumed, `assign: "
                         "households: ours`, which grows linearly; not proven by a plan).",
}


def why(row: str, factor: float, district: dict, city: dict, notes: list[str]) -> str:
    """The note number of the reason a row grows as it does, when known (added to notes);
    for tiles also the growth per cell (cells per tile recorded by bench/tiles.py)."""
    reason = next((text for key, text in GROWTH_WHY.items() if key in row), None)
    if reason is None:
        return ""
    if reason not in notes:
        notes.append(reason)
    shown = f"({notes.index(reason) + 1})"
    zoom = re.search(r"tiles: (z\d+)", row)
    if zoom:
        small = district.get("tile_features", {}).get(zoom.group(1))
        large = city.get("tile_features", {}).get(zoom.group(1))
        if small and large:
            shown += (f" {small:.0f} -> {large:.0f} cells per tile: "
                      f"{factor / (large / small):.1f}x per cell")
    return shown


def merged(path: Path, size: str, block: str) -> str:
    """The report with this size's block replaced, other sizes' blocks kept."""
    blocks = {}
    if path.exists():
        for name, body in re.findall(r"<!-- size:(\w+) -->\n(.*?)<!-- /size:\1 -->",
                                     path.read_text(), flags=re.S):
            blocks[name] = body
    blocks[size] = block
    order = [s for s in ("district", "city") if s in blocks]
    body = "".join(f"<!-- size:{s} -->\n{blocks[s]}<!-- /size:{s} -->\n\n" for s in order)
    return HEADER + "\n" + body + growth(blocks)


HEADER = """# Benchmarks

Written by `make bench` (bench/report.py) on the loaded demo: one section per size
(district; city when run on a city database), every figure beside its peer from the same
run. 2 CPU cores shared with other work: figures move with the load; compare the ratios.
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--write-rounds", type=int, default=2)
    parser.add_argument("--timeout", type=int, default=60, help="seconds per statement")
    parser.add_argument("--tile-rounds", type=int, default=3)
    parser.add_argument("--tile-seconds", type=int, default=5)
    parser.add_argument("--assign-rounds", type=int, default=3)
    parser.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"))
    parser.add_argument("--only-assign", choices=("district", "city"), default=None,
                        help="re-run only the bulk assignment rows of this size (on a "
                             "throwaway cluster) and update them in the report")
    parser.add_argument("--only", choices=("reads", "writes"), default=None,
                        help="re-run only this section's rows (on the service's database, "
                             "nothing written) and update them in place in the report "
                             "(the size is read from the data)")
    args = parser.parse_args()
    if args.only:
        only_section(Path(args.out), data_size()[0], args.only, args)
        return
    if args.only_assign:
        only_assign(Path(args.out), args.only_assign, args.assign_rounds, args.timeout * 10)
        return
    started, load_before = dt.datetime.now(dt.UTC), load()
    size, described = data_size()
    pairs = reads.run(rounds=args.rounds, timeout_s=args.timeout)
    writes = rollup_writes.run(rounds=args.write_rounds)
    tile_rows = tiles.run(rounds=args.tile_rounds, seconds=args.tile_seconds)
    assigned = assign_rows(size, args.assign_rounds, args.timeout * 10)
    located = locate.run(rounds=args.tile_rounds, seconds=args.tile_seconds)
    validated = validate.run()
    impacts = impact.run(rounds=args.rounds)
    audited = audit.run(rounds=args.rounds, timeout_s=args.timeout * 2)  # staffing audit
    dispatched = dispatch_report.run_scratch(size)  # commits: its own throwaway cluster
    painted = map_paint.run(rounds=args.rounds)  # issue 15: cells on screen in Chromium
    load_after = load()
    block = f"""## {size.capitalize()}: {described}

Commit {commit()}, {started:%Y-%m-%d %H:%M} UTC. Load average (1, 5, 15 min) before:
{load_before}; after: {load_after}.

{reads_section(pairs, args.rounds, args.timeout)}
### Vector tiles vs tipg (HTTP, same role, same columns)

{tiles.__doc__.split(chr(10), 2)[2].split("    make bench")[0].strip()}

{table(["zoom", "onegrid", "tipg", "ratio (req/s)", "rounds"], tile_rows)}

{writes_section(writes)}
{assign_section(assigned, args.assign_rounds)}
{locate_section(located)}
{validate_section(validated)}
{impact_section(impacts)}
{audit.section(audited)}
{dispatch_report.section(dispatched)}
{map_paint.section(painted)}
<!-- data: {json.dumps(section_data(pairs, writes, tile_rows, assigned))} -->
"""
    out = Path(args.out)
    out.write_text(merged(out, size, block))
    print(out.read_text())


if __name__ == "__main__":
    main()
