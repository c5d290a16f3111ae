"""Area scoping in one place: which cells (by code) a principal may see.

Region scopes are subtrees: a district code covers every code starting with its first 6
digits, a town its first 9, a village its 12. Cell scopes are exact 15-digit codes.
Query code filters through these functions; row-level security backs them up (the same
rule, expressed as transaction settings by `rls_settings`, read by the 0003_rls policies)."""
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
    cell_code = cell_code.strip()
    if cell_code in principal.cell_codes:
        return True
    return any(cell_code.startswith(region_prefix(c)) for c in principal.region_codes)


def covers_region_code(principal: Principal, region_code: str) -> bool:
    """True when the whole region lies inside the principal's area (e.g. a town report)."""
    if principal.unrestricted:
        return True
    prefix = region_prefix(region_code)
    return any(prefix.startswith(region_prefix(c)) for c in principal.region_codes)


def rls_settings(principal: Principal | None) -> dict[str, str]:
    """The transaction settings the row-level-security policies read (None = see nothing)."""
    if principal is not None and principal.unrestricted:
        return {"onegrid.scope_all": "on", "onegrid.scope_prefixes": "{}",
                "onegrid.scope_cells": "{}"}
    regions = principal.region_codes if principal else ()
    cells = principal.cell_codes if principal else ()
    return {"onegrid.scope_all": "off",
            "onegrid.scope_prefixes": _pg_array(region_prefix(c) for c in regions),
            "onegrid.scope_cells": _pg_array(c.strip() for c in cells)}


def _pg_array(codes) -> str:
    """A text[] literal; codes are digits only (checked), so no quoting is needed."""
    values = sorted(set(codes))
    for value in values:
        if not (value.isascii() and value.isdigit()):
            raise ValueError(f"area code {value!r} is not all digits")
    return "{" + ",".join(values) + "}"
