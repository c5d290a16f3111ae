"""Helpers shared by the people services: paging, declared-CRS points, cell codes, export."""
from __future__ import annotations

import shapely
from geoalchemy2.shape import from_shape
from sqlalchemy import BigInteger, Select, any_, func, literal, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from gis.auth.principal import Principal
from gis.auth.scope import cell_code_clause, covers_cell_code
from gis.crs import check_declared_crs, resolve_crs, to_wgs84_arrays
from gis.errors import InvalidInput, NotFound, PermissionDenied
from gis.exports import XLSX_MEDIA_TYPE, csv_text, xlsx_bytes
from gis.grid.generations import resolve_generation
from gis.grid.models import Cell
from gis.grid.service import Page

EXPORT_FORMATS = ("csv", "xlsx")


def paged(session: Session, stmt: Select, *, page: Page, key) -> tuple[list, int | None]:
    """Rows of one page (stmt ordered by `key` ascending, an id column) and, only when the
    page asks for it, how many matched in all (a count reads every match: None otherwise).
    A cursor (page.after) is a keyset condition on `key`, an index condition: deep pages
    cost what the first does."""
    matched = None
    if page.count:
        matched = session.scalar(select(func.count()).select_from(
            stmt.order_by(None).subquery())) or 0
    after = page.after_int()
    if after is not None:
        stmt = stmt.where(key > after)
    rows = session.execute(stmt.limit(page.limit).offset(page.offset)).all()
    return rows, matched


def point_wgs84(lon: float, lat: float, *, crs: str | None, where: str):
    """A WKB element for a point given in a declared CRS (default WGS84), checked for China."""
    spec = resolve_crs(crs or "EPSG:4326")
    check_declared_crs([lon], [lat], spec, where=where)
    x, y = to_wgs84_arrays([lon], [lat], spec)
    return from_shape(shapely.Point(float(x[0]), float(y[0])), srid=4326)


def cell_by_code(session: Session, *, code: str, principal: Principal) -> Cell:
    """The cell with this code in the active generation, if the principal's area covers it."""
    generation = resolve_generation(session)
    cell = session.scalars(select(Cell).where(
        Cell.code == code, Cell.generation_low <= generation.id,
        (Cell.generation_high.is_(None)) | (Cell.generation_high >= generation.id))).first()
    if cell is None:
        raise NotFound(f"no cell {code} in the active generation", where="cell_code")
    require_area(principal, cell.code)
    return cell


def require_area(principal: Principal, cell_code: str | None) -> None:
    """Writes may only put records into cells of the principal's own area."""
    if cell_code is None and principal.unrestricted:
        return
    if cell_code is None or not covers_cell_code(principal, cell_code):
        raise PermissionDenied(f"{principal.username} may not place records in cell "
                               f"{cell_code or '(none)'}: it is outside their area",
                               where="cell")


def region_filter(code_column, region: str | None):
    """Cells under a region code: district/town/village codes are prefixes of cell codes."""
    from gis.auth.scope import region_prefix

    if region and not region.isdigit():
        raise InvalidInput("region must be a numeric region or cell code", where="region")
    return code_column.like(region_prefix(region) + "%") if region else None


def where_place(stmt: Select, *, cell: str | None, region: str | None,
                placed=None, session: Session | None = None,
                principal: Principal | None = None) -> Select:
    """Narrow a statement joined to Cell to one cell code and/or a region subtree.

    placed: when the statement reaches Cell through the view household_cells, its
    cell_id column. The matching cells (within the principal's area) are then also given
    to it as a constant array of ids: PostgreSQL pushes a constant filter into both
    branches of that UNION ALL view (ix_households_own_cell, ix_building_cells_cell), but
    not a join condition, which made a list of one cell's households read the whole city
    (~0.8 s for 1,000,000 households, against ~5 ms)."""
    conditions = place_conditions(cell=cell, region=region)
    if conditions:
        stmt = stmt.where(*conditions)
    if placed is not None and session is not None:
        ids = placed_cell_ids(session, cell=cell, region=region, principal=principal)
        if ids is not None:
            stmt = stmt.where(placed == any_(literal(ids, ARRAY(BigInteger))))
    return stmt


def place_conditions(*, cell: str | None, region: str | None) -> list:
    """Conditions on Cell.code for one cell code and/or a region subtree."""
    conditions = []
    if cell:
        conditions.append(Cell.code == cell)
    if (by_region := region_filter(Cell.code, region)) is not None:
        conditions.append(by_region)
    return conditions


def placed_cell_ids(session: Session, *, cell: str | None, region: str | None,
                    principal: Principal | None) -> list[int] | None:
    """The ids of the cells a list is narrowed to (a cell or region filter, within the
    principal's area); None when nothing narrows it (an unrestricted caller listing
    everything). Given to the statement as a constant array, so that PostgreSQL can push
    it into both branches of the view household_cells (see where_place)."""
    conditions = place_conditions(cell=cell, region=region)
    area = ([cell_code_clause(principal, Cell.code)]
            if principal is not None and not principal.unrestricted else [])
    if not (conditions or area):
        return None
    return list(session.scalars(select(Cell.id).where(*conditions, *area)))


def lists_by_cell_ids(principal: Principal, *, cell: str | None, region: str | None) -> bool:
    """True when where_place will give household_cells a constant list of cell ids (a cell or
    region filter, or a caller with an area). Otherwise (an unrestricted caller listing
    everything) a list joins the view by a LATERAL probe per listed row: a plain join then
    reads the whole view, and under row-level security PostgreSQL also cannot push the join
    into its branches (~0.45 s for a page of 100 of the district's 100,000 households, ~5 ms
    with probes)."""
    return bool(cell or region) or not principal.unrestricted


def join_household_cell(stmt: Select, household_id, *, one: bool = False):
    """Outer-join a statement to the cell of the household in household_id, then to Cell.

    Returns (statement, the cell id column). one=True for reads of a few rows found by
    their own key: a LATERAL lookup (models.placement_of); otherwise a plain join of the
    view household_cells, which where_place(placed=...) narrows with constant ids."""
    from sqlalchemy import true

    from gis.people.models import HouseholdCell, placement_of

    if one:
        placement = placement_of(household_id)
        cell_id = placement.c.cell_id
        stmt = stmt.outerjoin(placement, true())
    else:
        cell_id = HouseholdCell.cell_id
        stmt = stmt.outerjoin(HouseholdCell, HouseholdCell.household_id == household_id)
    return stmt.outerjoin(Cell, Cell.id == cell_id), cell_id


def export_bytes(rows: list[dict], *, fmt: str, sheet: str) -> tuple[bytes, str]:
    """rows -> (file bytes, media type); the columns are the keys of the first row.

    Text cells are formula-safe (gis/exports.py): names come from the public."""
    if fmt not in EXPORT_FORMATS:
        raise InvalidInput(f"format must be one of {EXPORT_FORMATS}", where="format")
    headers = list(rows[0]) if rows else []
    values = ([r[h] for h in headers] for r in rows)
    if fmt == "csv":
        # utf-8-sig: Excel opens a BOM-prefixed CSV with Chinese text correctly.
        return csv_text(headers, values).encode("utf-8-sig"), "text/csv; charset=utf-8"
    return xlsx_bytes(headers, values, sheet=sheet), XLSX_MEDIA_TYPE
