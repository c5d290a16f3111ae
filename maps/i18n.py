"""Every string of the pages in one catalogue, Chinese first with its English twin.

The language: `?lang=` (which also sets the `onegrid_lang` cookie, so the choice stays),
else the cookie, else Chinese. Templates call `t(key)`; map.js gets the same catalogue,
in the page's language, as JSON (maps/pages.py)."""
from __future__ import annotations

from fastapi import Request, Response

LANGUAGES = ("zh-CN", "en")
DEFAULT = "zh-CN"
COOKIE = "onegrid_lang"

# key: (中文, English)
CATALOGUE: dict[str, tuple[str, str]] = {
    "brand": ("一张网 · onegrid", "onegrid · one grid"),
    "nav.map": ("地图", "Map"),
    "nav.api": ("接口文档", "API"),
    "nav.language": ("语言", "Language"),
    "start.title": ("一张网", "onegrid"),
    "start.intro": ("多网合一的基层治理网格：每栋建筑、每户人家、每个事件都属于且只属于一个网格。",
                    "One grid for community governance (多网合一): every building, household "
                    "and incident belongs to exactly one cell."),
    "link.map": ("网格地图", "Web map"),
    "link.map.note": ("当前版本的网格、村（社区）和镇街；点击地图定位",
                      "cells, villages and towns of the active generation; click to locate"),
    "link.docs": ("接口文档（Swagger UI）", "API documentation (Swagger UI)"),
    "link.docs.note": ("OpenAPI，逐个试用接口", "OpenAPI, try every endpoint"),
    "link.redoc": ("接口文档（ReDoc）", "API documentation (ReDoc)"),
    "link.redoc.note": ("便于阅读的接口说明", "the API, for reading"),
    "link.health": ("运行状态", "Health"),
    "link.health.note": ("数据库与 PostGIS 版本", "database and PostGIS version"),
    "link.regions": ("行政区划（GeoJSON）", "Regions (GeoJSON)"),
    "link.regions.note": ("区县、镇街、村（社区）", "districts, towns and villages"),
    "link.cells": ("网格（GeoJSON）", "Cells (GeoJSON)"),
    "link.cells.note": ("当前版本的网格，分页", "cells of the active generation, paged"),
    "map.title": ("网格地图", "Grid map"),
    "panel.title": ("网格", "Grid"),
    "panel.toggle": ("面板", "Panel"),
    "panel.hide": ("收起面板", "Hide panel"),
    "panel.show": ("展开面板", "Show panel"),
    "info.hint": ("点击地图定位一个点。", "Click the map to locate a point."),
    "info.outside": ("不在任何网格内", "outside every cell"),
    "info.cell": ("网格", "cell"),
    "info.village": ("村（社区）", "village"),
    "info.town": ("镇街", "town"),
    "info.district": ("区县", "district"),
    "search.placeholder": ("地址、网格编码或名称、村、户号", "address, cell code or name, "
                           "village, household no."),
    "search.button": ("搜索", "Search"),
    "search.none": ("没有找到", "nothing found"),
    "search.failed": ("搜索失败", "search failed"),
    "kind.cell": ("网格", "cell"),
    "kind.village": ("村（社区）", "village"),
    "kind.town": ("镇街", "town"),
    "kind.district": ("区县", "district"),
    "kind.building": ("建筑", "building"),
    "kind.household": ("住户", "household"),
    "layers.title": ("图层", "Layers"),
    "layer.basemap": ("底图", "Basemap"),
    "layer.regions": ("行政区划", "Regions"),
    "layer.cells": ("网格", "Cells"),
    "layer.density": ("住户密度", "Household density"),
    "layer.buildings": ("建筑", "Buildings"),
    "layer.findings": ("校验问题", "Validation findings"),
    "layer.departmental": ("部门图层：", "Departmental layer: "),
    "layer.zoom_in": ("（请放大）", "(zoom in)"),
    "legend.title": ("每格住户数", "Households per cell"),
    "legend.below": ("少于标准", "below the band"),
    "legend.within": ("标准范围内", "within the band"),
    "legend.above": ("多于标准", "above the band"),
    "legend.density": ("每平方公里住户", "households per km²"),
    "cells.shown": ("个网格在视图中", "cells in view"),
    "tooltip.households": ("户", "households"),
    "loading": ("加载中…", "Loading…"),
    "login.title": ("登录", "Log in"),
    "login.user": ("用户名", "user"),
    "login.password": ("密码", "password"),
    "login.button": ("登录", "Log in"),
    "login.wrong": ("用户名或密码错误", "wrong user or password"),
    "logout": ("退出登录", "Log out"),
    "conflation.cells": ("统一网格", "unified cells"),
    "conflation.layer": ("部门图层", "layer"),
    "conflation.uncovered": ("部门图层未覆盖", "not covered by the layer"),
    "conflation.code": ("编码", "code"),
    "conflation.name": ("名称", "name"),
    "conflation.best_cell": ("主要所在网格", "best unified cell"),
    "conflation.share": ("所占比例", "share there"),
    "conflation.cells_list": ("涉及网格", "unified cells"),
    "conflation.village": ("村（社区）", "village"),
    "conflation.vs": ("对照版本", "vs generation"),
    "conflation.agreement": ("一致率", "agreement"),
    "conflation.legacy": ("个原网格", "legacy cells"),
    "conflation.split": ("个被拆分", "split"),
    "conflation.outside": ("个在网格外", "outside the grid"),
    "conflation.uncovered_m2": ("未覆盖面积 m²", "uncovered m²"),
    "conflation.band_high": ("≥ 95% 在同一网格", "≥ 95% in one cell"),
    "conflation.band_mid": ("50–95%", "50–95%"),
    "conflation.band_low": ("< 50% 或在网格外", "< 50% or outside the grid"),
    "conflation.dashed": ("虚线：跨多个统一网格", "dashed: split across unified cells"),
}


def strings(lang: str) -> dict[str, str]:
    """The catalogue in one language."""
    index = LANGUAGES.index(lang)
    return {key: pair[index] for key, pair in CATALOGUE.items()}


def language(request: Request) -> str:
    """The page's language: ?lang=, else the cookie, else Chinese."""
    for candidate in (request.query_params.get("lang"), request.cookies.get(COOKIE)):
        if candidate in LANGUAGES:
            return candidate
    return DEFAULT


def remember(request: Request, response: Response) -> None:
    """Keeps a language chosen by ?lang= for a year (a cookie, readable by the server only)."""
    chosen = request.query_params.get("lang")
    if chosen in LANGUAGES:
        response.set_cookie(COOKIE, chosen, max_age=365 * 24 * 3600, httponly=True,
                            samesite="lax", path="/")
