"""/imports: upload boundaries or a departmental layer; a dry-run report unless commit=true."""
from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePath
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, UploadFile

from api.deps import PrincipalDep, SessionDep
from gis.errors import InvalidInput
from gis.ingest import service
from gis.ingest.schemas import ImportReport

router = APIRouter(tags=["imports"])

Text = Annotated[str | None, Form(max_length=200)]
Upload = Annotated[UploadFile, File(description=(
    "GeoJSON, zipped Shapefile (.zip), GeoPackage, KML, or CSV with a WKT column"))]
Commit = Annotated[bool, Form(description="apply the import; false (default) = dry run")]


def import_options(crs: Text = None, layer: Text = None, wkt_column: Text = None,
                   code_column: Text = None, name_column: Text = None,
                   level_column: Text = None,
                   skip_invalid: Annotated[bool, Form(description=(
                       "commit the valid features even if some are rejected"))] = False,
                   repair: Annotated[bool, Form(description=(
                       "rebuild invalid polygons (make_valid) and report how; false "
                       "rejects them"))] = True
                   ) -> service.ImportOptions:
    return service.ImportOptions(crs=crs, layer=layer, wkt_column=wkt_column,
                                 code_column=code_column, name_column=name_column,
                                 level_column=level_column, skip_invalid=skip_invalid,
                                 repair=repair)


OptionsDep = Annotated[service.ImportOptions, Depends(import_options)]


@contextmanager
def saved(upload: UploadFile) -> Iterator[tuple[Path, str]]:
    """The upload on disk under a name of our own (only its suffix is kept from the
    client's file name, which is never used as a path), and its name for messages."""
    shown = PurePath((upload.filename or "upload").replace("\\", "/")).name or "upload"
    suffix = "".join(PurePath(shown).suffixes[-1:]).lower()
    if not suffix:
        raise InvalidInput(f"{shown}: the file name needs a suffix (.geojson, .zip, .gpkg, "
                           ".kml, .csv) to tell its format", where="file")
    with tempfile.TemporaryDirectory(prefix="onegrid-upload-") as tmp:
        path = Path(tmp) / f"upload{suffix}"
        with path.open("wb") as out:
            shutil.copyfileobj(upload.file, out)
        yield path, shown


@router.post("/imports/regions", response_model=ImportReport,
             summary="Import districts, towns and villages (dry run unless commit=true)")
def import_regions(session: SessionDep, principal: PrincipalDep, file: Upload,
                   options: OptionsDep, commit: Commit = False) -> ImportReport:
    principal.require("imports:write")
    with saved(file) as (path, shown):
        return service.import_regions(session, path=path, source_name=shown, options=options,
                                      commit=commit, principal=principal)


@router.post("/imports/layers", response_model=ImportReport,
             summary="Import a department's grid layer (dry run unless commit=true)")
def import_layer(session: SessionDep, principal: PrincipalDep, file: Upload,
                 options: OptionsDep,
                 department: Annotated[str, Form(min_length=1, max_length=100,
                                                 description="综治, 城管, 党建, 应急…")],
                 name: Text = None, commit: Commit = False) -> ImportReport:
    principal.require("imports:write")
    with saved(file) as (path, shown):
        return service.import_layer(session, path=path, department=department, name=name,
                                    source_name=shown, options=options, commit=commit,
                                    imported_by=principal.username, principal=principal)


@router.post("/imports/roads", summary="Import road lines that proposals follow "
                                       "(dry run unless commit=true)")
def import_roads(session: SessionDep, principal: PrincipalDep, file: Upload,
                 options: OptionsDep, commit: Commit = False) -> dict:
    from gis.ingest.roads import import_roads as import_road_lines

    principal.require("imports:write")
    with saved(file) as (path, shown):
        return import_road_lines(session, path=path, source_name=shown, options=options,
                                 commit=commit, principal=principal).model_dump()
