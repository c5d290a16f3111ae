"""Buildings (楼栋): list by cell or region, detail, create (assigned to a cell), update."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gis.auth.principal import Principal
from gis.auth.scope import cell_code_clause
from gis.errors import Conflict, NotFound
from gis.grid.models import Cell
from gis.grid.service import Page, page_result
from gis.people.assignment import assign_buildings
from gis.people.common import paged, point_wgs84, require_area, where_place
from gis.people.models import Building, BuildingCell
from gis.people.schemas import BuildingIn, BuildingUpdate


def _scoped(principal: Principal):
    spot = func.ST_PointOnSurface(Building.geom)
    return (select(Building, BuildingCell.cell_id, Cell.code.label("cell_code"),
                   func.ST_X(spot).label("lon"), func.ST_Y(spot).label("lat"),
                   func.GeometryType(Building.geom).label("geometry_type"))
            .outerjoin(BuildingCell, BuildingCell.building_id == Building.id)
            .outerjoin(Cell, Cell.id == BuildingCell.cell_id)
            .where(cell_code_clause(principal, Cell.code)))


def building_dict(row) -> dict:
    b = row.Building
    return {"id": b.id, "code": b.code, "address": b.address, "name": b.name,
            "floors": b.floors, "cell_id": row.cell_id, "cell_code": row.cell_code,
            "geometry_type": row.geometry_type, "lon": round(row.lon, 7),
            "lat": round(row.lat, 7)}


def list_buildings(session: Session, *, principal: Principal, cell: str | None = None,
                   region: str | None = None, q: str | None = None,
                   page: Page = Page(), export: bool = False) -> dict:
    stmt = where_place(_scoped(principal), cell=cell, region=region)
    if q:
        stmt = stmt.where(Building.address.contains(q, autoescape=True) | (Building.code == q))
    stmt = stmt.order_by(Building.id)
    if export:
        rows = session.execute(stmt).all()
        return {"items": [building_dict(r) for r in rows], "numberMatched": len(rows),
                "numberReturned": len(rows), "next_after": None}
    rows, matched = paged(session, stmt, page=page, key=Building.id)
    return page_result([building_dict(r) for r in rows], page=page, matched=matched,
                       last_key=rows[-1].Building.id if rows else None)


def get_building(session: Session, *, principal: Principal, building_id: int) -> dict:
    row = session.execute(_scoped(principal).where(Building.id == building_id)).first()
    if row is None:
        raise NotFound(f"building {building_id} does not exist or is outside your area",
                       where="building_id")
    return building_dict(row)


def create_building(session: Session, *, principal: Principal, data: BuildingIn) -> dict:
    if data.code and session.scalar(select(Building.id).where(Building.code == data.code)):
        raise Conflict(f"building {data.code} already exists", where="code")
    building = Building(code=data.code, address=data.address, name=data.name,
                        floors=data.floors,
                        geom=point_wgs84(data.lon, data.lat, crs=data.crs, where="lon/lat"))
    session.add(building)
    session.flush()
    assign_buildings(session, building_ids=[building.id])
    require_area(principal, session.scalar(
        select(Cell.code).join(BuildingCell, BuildingCell.cell_id == Cell.id)
        .where(BuildingCell.building_id == building.id)))
    return get_building(session, principal=principal, building_id=building.id)


def update_building(session: Session, *, principal: Principal, building_id: int,
                    data: BuildingUpdate) -> dict:
    row = session.execute(_scoped(principal).where(Building.id == building_id)).first()
    if row is None:
        raise NotFound(f"building {building_id} does not exist or is outside your area",
                       where="building_id")
    for field, value in data.model_dump(exclude_unset=True).items():
        setattr(row.Building, field, value)
    session.flush()
    return get_building(session, principal=principal, building_id=building_id)
