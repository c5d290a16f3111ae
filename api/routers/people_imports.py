"""/imports/people/{kind}: upload a CSV, XLSX or GeoJSON; a dry-run report unless commit=true."""
from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, File, Form, Path, UploadFile

from api.deps import PrincipalDep, SessionDep, SettingsDep
from gis.errors import InvalidInput
from gis.people.ingest.service import import_people

router = APIRouter(tags=["people"])


@router.post("/imports/people/{kind}", summary="Import buildings, households, persons, "
             "special populations, staff or the households party members look after "
             "(dry run unless commit=true)")
def import_file(session: SessionDep, principal: PrincipalDep, settings: SettingsDep,
                kind: Annotated[str, Path(
                    pattern="^(buildings|households|persons|special|staff|party_households)$")],
                file: Annotated[UploadFile, File(description=".csv, .xlsx or .geojson")],
                crs: Annotated[str | None, Form(max_length=2000)] = None,
                mapping: Annotated[str | None, Form(
                    description='JSON {"field": "header"}', max_length=10_000)] = None,
                skip_invalid: Annotated[bool, Form(description=(
                    "commit the valid rows even if some are invalid"))] = False,
                repair: Annotated[bool, Form(description=(
                    "rebuild invalid footprints (make_valid) and report how"))] = True,
                commit: Annotated[bool, Form()] = False) -> dict:
    # The roster is the managers' (staff:write); the other kinds are imports proper.
    principal.require("staff:write" if kind in ("staff", "party_households")
                      else "imports:write")
    if kind in ("persons", "special"):
        principal.require("persons:write")
    report = import_people(session, kind=kind, limits=settings.imports,
                           data=file.file.read(),
                           filename=file.filename or "upload", crs=crs,
                           mapping=_mapping(mapping), commit=commit,
                           skip_invalid=skip_invalid, repair=repair,
                           secret_key=settings.security.secret_key, principal=principal)
    if commit and not report.committed:
        # the report under details.report, as a refused region or layer import has it
        raise InvalidInput(report.note, where=file.filename,
                           details={"report": report.as_dict()})
    return report.as_dict()


def _mapping(text: str | None) -> dict[str, str]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"mapping is not JSON: {exc}", where="mapping") from None
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise InvalidInput('mapping must be a JSON object {"field": "header"}', where="mapping")
    return value
