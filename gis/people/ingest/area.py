"""Imports stay in the caller's area: rows whose cell is outside it are refused, by row.

The HTTP import runs under row-level security, whose WITH CHECK would refuse a row
outside the caller's area with one error for the whole statement; these checks come
first so the report names each refused row (file row, why) and the import, all or
nothing, writes none of them. principal None (the CLI, run by an operator) and callers
without an area are unrestricted."""
from __future__ import annotations

from collections.abc import Hashable, Mapping

from gis.auth.principal import Principal
from gis.auth.scope import covers_cell_code

NO_CELL = "is in no cell, and only a user without an area limit may import that"


def restricted(principal: Principal | None) -> bool:
    return principal is not None and not principal.unrestricted


def outside_area(principal: Principal | None,
                 cell_codes: Mapping[Hashable, str | None]) -> dict[Hashable, str]:
    """key -> why, for each key whose cell code (None: no cell) the principal may not use."""
    if not restricted(principal):
        return {}
    refused = {}
    for key, code in cell_codes.items():
        if code is None:
            refused[key] = NO_CELL
        elif not covers_cell_code(principal, code):
            refused[key] = f"is in cell {code}, outside your area"
    return refused
