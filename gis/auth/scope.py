"""Area scoping in one place: which cells (by code) a principal may see.

Region scopes are subtrees: a district code covers every code starting with its first 6
digits, a town its first 9, a village its 12. Cell scopes are exact 15-digit codes.
Query code filters through these functions; row-level security backs them up."""
from __future__ import annotations

from sqlalchemy import ColumnElement, false, or_, true

from gis.auth.principal import Principal


def region_prefix(code: str) -> str:
    """The code prefix that every descendant of a region shares."""
    code = code.strip()
    if code.endswith("000000"):
        return code[:6]
    if code.endswith("000"):
        return code[:9]
    return code


def cell_code_clause(principal: Principal, code_column) -> ColumnElement[bool]:
    """A WHERE clause on a 15-digit cell-code column restricting rows to the principal's area."""
    if principal.unrestricted:
        return true()
    conditions = [code_column.like(region_prefix(c) + "%") for c in principal.region_codes]
    if principal.cell_codes:
        conditions.append(code_column.in_(principal.cell_codes))
    return or_(*conditions) if conditions else false()


def covers_cell_code(principal: Principal, cell_code: str) -> bool:
    """The same rule as cell_code_clause, for one code already in hand."""
    if principal.unrestricted:
        return True
    if cell_code in principal.cell_codes:
        return True
    return any(cell_code.startswith(region_prefix(c)) for c in principal.region_codes)
