"""/layers: departmental grid layers and their conflation with the unified grid."""
from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import PrincipalDep, SessionDep, SettingsDep
from api.params import GenerationDep
from api.security_headers import content_security_policy, script_hashes
from gis.geo import LngLatBBox
from gis.grid.service import Page, cells_feature_collection
from gis.layers import conflation, service
from gis.layers.schemas import LayerSummary, Thresholds
from maps import i18n
from maps.conflation import conflation_map_html

router = APIRouter(tags=["layers"])

LayerId = Annotated[int, Path(ge=1, le=2_147_483_647)]
MinShare = Annotated[float, Query(ge=0, le=1, description=(
    "overlaps below this share of the smaller cell (legacy or unified) are noise"))]
MinArea = Annotated[float, Query(ge=0, le=1e9, description="overlaps below this are noise")]


@router.get("/layers", summary="Departmental layers imported so far",
            response_model=list[LayerSummary])
def list_layers(session: SessionDep, principal: PrincipalDep,
                department: Annotated[str | None, Query(max_length=100)] = None
                ) -> list[LayerSummary]:
    principal.require("cells:read")
    return service.list_layers(session, department=department)


@router.get("/layers/{layer_id}", summary="One departmental layer",
            response_model=LayerSummary)
def get_layer(session: SessionDep, principal: PrincipalDep, layer_id: LayerId) -> LayerSummary:
    principal.require("cells:read")
    return service.get_layer(session, layer_id=layer_id)


@router.get("/layers/{layer_id}/conflation",
            summary="How the layer's cells map onto the unified cells of a generation")
def get_conflation(session: SessionDep, principal: PrincipalDep, generation: GenerationDep,
                   layer_id: LayerId,
                   format: Literal["json", "geojson", "csv"] = "json",
                   min_share: MinShare = 0.01, min_area_m2: MinArea = 1.0):
    principal.require("cells:read")
    result = conflation.conflate(session, layer_id=layer_id, generation_id=generation.id,
                                 thresholds=Thresholds(min_share=min_share,
                                                       min_area_m2=min_area_m2),
                                 with_geometry=format == "geojson")
    if format == "geojson":
        return conflation.conflation_geojson(result)
    if format == "csv":
        name = f"layer-{layer_id}-generation-{generation.id}-conflation.csv"
        return Response(conflation.conflation_csv(result), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
    return result.model_dump(mode="json")


@router.get("/layers/{layer_id}/conflation/map", response_class=HTMLResponse,
            summary="The conflation as an offline map page")
def conflation_map(request: Request, session: SessionDep, principal: PrincipalDep,
                   settings: SettingsDep, generation: GenerationDep, layer_id: LayerId,
                   min_share: MinShare = 0.01, min_area_m2: MinArea = 1.0) -> HTMLResponse:
    principal.require("cells:read")
    result = conflation.conflate(session, layer_id=layer_id, generation_id=generation.id,
                                 thresholds=Thresholds(min_share=min_share,
                                                       min_area_m2=min_area_m2),
                                 with_geometry=True)
    bbox = _extent([m.geometry for m in result.matches if m.geometry])
    cells = cells_feature_collection(session, generation_id=generation.id, bbox=bbox,
                                     zoom=14, page=Page(limit=5000)) if bbox else None
    basemap = settings.server.basemap_url
    page = conflation_map_html(result, cells=cells, basemap_url=basemap,
                               lang=i18n.language(request))
    # folium writes its map as inline scripts: allowed by hash, no other inline script runs
    policy = content_security_policy(basemap_url=basemap, hashes=tuple(script_hashes(page)),
                                     inline_styles=True)
    return HTMLResponse(page, headers={"Content-Security-Policy": policy})


def _extent(geometries: list[dict]) -> LngLatBBox | None:
    """The layer's extent, to draw only the unified cells around it."""
    from shapely.geometry import shape

    boxes = [shape(g).bounds for g in geometries]
    if not boxes:
        return None
    return LngLatBBox(max(-180.0, min(b[0] for b in boxes)), max(-90.0, min(b[1] for b in boxes)),
                      min(180.0, max(b[2] for b in boxes)), min(90.0, max(b[3] for b in boxes)))
