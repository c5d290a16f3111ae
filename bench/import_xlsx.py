"""Import of households from .xlsx: rows per second, against pandas.read_excel reading alone.

    .venv/bin/python -m bench.import_xlsx [--rows 100000] [--size district] [--database-url URL]

The file is generated first (not timed): Chinese headers, points inside the bounding box
of the demo's cells (some fall outside every cell: the unlocated path is exercised too).
The import is the real one (read → validate → CRS check → COPY → assign to cells →
rollups), run as a dry run so it is rolled back; the database is the demo (see
bench/assign.py for where it comes from).
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np
from sqlalchemy import text
from sqlalchemy.orm import Session

from bench.assign import bench_database
from bench.common import print_table, ratio
from gis.people.ingest.store import copy_rows

HEADERS = ["户编号", "标准地址", "经度", "纬度", "人数"]


def write_xlsx(path: Path, *, rows: int, bbox: tuple[float, float, float, float]) -> None:
    from openpyxl import Workbook

    rng = np.random.default_rng(7)
    lon = rng.uniform(bbox[0], bbox[2], rows)
    lat = rng.uniform(bbox[1], bbox[3], rows)
    members = rng.integers(1, 7, rows)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("households")
    sheet.append(HEADERS)
    for i in range(rows):
        sheet.append([f"X{i:08d}", f"基准路{i // 40 + 1}号{i % 40 + 1}室",
                      round(float(lon[i]), 7), round(float(lat[i]), 7), int(members[i])])
    book.save(path)


def time_read(path: Path) -> float:
    from gis.people.ingest.readers import open_source

    started = time.perf_counter()
    source = open_source(path, filename=path.name)
    for _ in source.rows:
        pass
    return time.perf_counter() - started


def time_pandas(path: Path) -> float:
    import pandas as pd

    started = time.perf_counter()
    pd.read_excel(path, engine="openpyxl")
    return time.perf_counter() - started


def time_import(session: Session, path: Path) -> tuple[float, dict]:
    from gis.people.ingest.service import import_people

    started = time.perf_counter()
    report = import_people(session, kind="households", data=path, filename=path.name,
                           secret_key="bench-secret", commit=False)
    return time.perf_counter() - started, report.as_dict()


def two_pass_store(session: Session, records: list[dict], report, **kwargs) -> None:
    """The previous household store, as a peer: COPY every row, then UPDATE every row again
    with its cell (assign_households by id). Written twice; the report is the same."""
    from gis.people.assignment import assign_households
    from gis.people.ingest import households, kinds

    def insert_twice(session: Session, *, rows, generation_id, principal=None):
        rows = list(rows)
        ids = [row[0] for row in rows]
        stored = copy_rows(session, table="households", columns=households.COLUMNS, rows=rows)
        if generation_id is None or not ids:
            return households.Inserted(stored, 0, {}, [])
        result = assign_households(session, generation_id=generation_id, household_ids=ids)
        outside = dict(session.execute(text(
            "SELECT h.id, h.unlocated_reason FROM households AS h WHERE h.id = ANY(:ids) "
            "AND NOT EXISTS (SELECT 1 FROM household_own_cells AS oc "
            "WHERE oc.household_id = h.id) AND h.geom IS NOT NULL ORDER BY h.id"),
            {"ids": ids}).all())
        return households.Inserted(stored, result.considered - result.unlocated, outside,
                                   result.touched_cell_ids)

    single_pass = kinds.insert_households
    kinds.insert_households = insert_twice
    try:
        kinds.store_households(session, records, report, **kwargs)
    finally:
        kinds.insert_households = single_pass


def time_two_pass(session: Session, path: Path) -> tuple[float, dict]:
    from gis.people.ingest import kinds

    single_pass = kinds.STORE["households"]
    kinds.STORE["households"] = two_pass_store
    try:
        return time_import(session, path)
    finally:
        kinds.STORE["households"] = single_pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--size", default="district", choices=("small", "district", "city"))
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    from gis.db import make_engine

    with bench_database(args.database_url, args.size) as url, \
            tempfile.TemporaryDirectory() as folder:
        engine = make_engine(url, pool_size=1)
        with Session(engine) as session:
            bbox = session.execute(text(
                "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT "
                "ST_Extent(geom)::geometry AS e FROM grid_cells WHERE generation_high IS NULL)"
                " AS x")).one()
            path = Path(folder) / "households.xlsx"
            write_xlsx(path, rows=args.rows, bbox=tuple(bbox))
            print(f"{args.rows:,} rows, {path.stat().st_size / 1e6:.1f} MB")
            read = time_read(path)
            pandas = time_pandas(path)
            total, report = time_import(session, path)
            session.rollback()
            two_pass, two_pass_report = time_two_pass(session, path)
            session.rollback()
            total_again, _ = time_import(session, path)  # ours again: order effects
            session.rollback()
            load = os.getloadavg()
        engine.dispose()
    n = args.rows
    print_table("households from .xlsx", ["step", "seconds", "rows/s", "vs pandas read"], [
        ["ours: whole import, single pass (read → insert with cell)", f"{total:.1f}",
         f"{n / total:,.0f}", ratio(pandas, total)],
        ["  same, run again after the two-pass peer", f"{total_again:.1f}",
         f"{n / total_again:,.0f}", ratio(pandas, total_again)],
        ["two-pass peer: COPY, then UPDATE each row with its cell", f"{two_pass:.1f}",
         f"{n / two_pass:,.0f}", ratio(pandas, two_pass)],
        ["ours: streaming read alone (openpyxl read-only)", f"{read:.1f}", f"{n / read:,.0f}",
         ratio(pandas, read)],
        ["pandas.read_excel alone", f"{pandas:.1f}", f"{n / pandas:,.0f}", "1.00x"],
    ])
    print(f"single pass vs two passes: {ratio(two_pass, total)} faster; "
          f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    assert two_pass_report == report, "the two ways must report the same"
    print(f"report: stored {report['stored']:,}, assigned {report['assigned_to_cell']:,}, "
          f"unlocated {report['unlocated']:,}, duplicates {report['duplicates']:,}, "
          f"invalid rows {report['invalid_rows']:,}")


if __name__ == "__main__":
    main()
