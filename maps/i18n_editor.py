"""The planner's editor's strings (/editor, maps/static/js/editor*.js), the server's refusals
as the editor words them and the kinds of validation findings: part of the one catalogue
(maps/i18n.py merges them), Chinese first with its English twin."""
from __future__ import annotations

# key: (中文, English)
EDITOR: dict[str, tuple[str, str]] = {
    # the planner's editor (/editor, maps/static/js/editor*.js): kept together
    "link.editor": ("网格编辑器", "Grid editor"),
    "link.editor.note": ("在草稿版本上拆分、合并、调整边界、划转建筑，保存前查看影响",
                         "split, merge, move boundaries, paint buildings on a draft; "
                         "see the impact before saving"),
    "editor.title": ("网格编辑", "Grid editor"),
    "editor.draft": ("草稿", "Draft"),
    "editor.draft.none": ("还没有草稿版本。新建一个草稿开始编辑：",
                          "There is no draft yet. Create one to start editing:"),
    "editor.draft.name": ("草稿名称", "draft name"),
    "editor.draft.create": ("新建草稿", "Create draft"),
    "editor.status.draft": ("草稿", "draft"),
    "editor.status.active": ("已生效", "active"),
    "editor.status.retired": ("已停用", "retired"),
    "editor.cells": ("个网格", "cells"),
    "editor.read_only": ("该版本不是草稿，只能查看。", "This generation is not a draft: "
                         "view only."),
    "editor.tools": ("编辑工具", "Tools"),
    "editor.tool.split": ("拆分", "Split"),
    "editor.tool.merge": ("合并", "Merge"),
    "editor.tool.boundary": ("调整边界", "Move boundary"),
    "editor.tool.paint": ("划转建筑", "Paint buildings"),
    "editor.tool.undo": ("撤销", "Undo"),
    "editor.tool.redo": ("重做", "Redo"),
    "editor.hint.split": ("在所选网格上画一条穿过它的线，双击结束。",
                          "Draw a line across the selected cell; double-click to finish."),
    "editor.hint.merge": ("点击要与所选网格合并的相邻网格。",
                          "Click the neighbours to merge with the selected cell."),
    "editor.hint.boundary": ("拖动顶点调整边界（吸附到相邻网格的顶点和边），相邻网格随之改变。",
                             "Drag the vertices (they snap to the neighbours' vertices and "
                             "edges); the neighbour follows."),
    "editor.hint.paint": ("点击建筑，将其划入所选网格。",
                          "Click buildings to move them into the selected cell."),
    "editor.not_yet": ("服务器尚未提供该功能的接口", "this server does not offer it yet"),
    "editor.pick": ("先在地图上选择一个网格。", "Pick a cell on the map first."),
    "editor.selected": ("所选网格", "Selected cell"),
    "editor.cell": ("网格", "cell"),
    "editor.name": ("名称", "name"),
    "editor.households": ("户数", "households"),
    "editor.persons": ("人口", "persons"),
    "editor.special": ("特殊人群", "special populations"),
    "editor.reason": ("修改原因", "Reason"),
    "editor.reason.placeholder": ("记入草稿的修改记录", "kept in the draft's history"),
    "editor.impact": ("保存前的影响", "Impact before saving"),
    "editor.pending.split": ("拆分所选网格。", "Split the selected cell."),
    "editor.pending.merge": ("合并所选网格。", "Merge the selected cells."),
    "editor.pending.redraw": ("调整边界，相邻网格随之改变。",
                              "Move the boundary; the neighbours follow."),
    "editor.pending.paint": ("将所选建筑划入网格。", "Move the chosen buildings to the cell."),
    "editor.no_preview": ("服务器尚未提供影响预览；保存后可在地图上查看结果。",
                          "This server offers no impact preview yet; the result shows on "
                          "the map after saving."),
    "editor.removed": ("（并入后取消）", "(merged away)"),
    "editor.moves": ("将改变所属网格", "Would change cell"),
    "editor.moves.households": ("户", "households"),
    "editor.moves.persons": ("人", "persons"),
    "editor.moves.special_populations": ("特殊人群", "special populations"),
    "editor.moves.staff_assignments": ("人员任务", "staff assignments"),
    "editor.moves.open_cases": ("待办事件", "open cases"),
    "editor.truncated": ("地图上只显示前 2000 个点。", "The map shows the first 2,000 points."),
    "editor.save": ("保存", "Save"),
    "editor.cancel": ("取消", "Cancel"),
    "editor.saved": ("已保存。", "Saved."),
    "editor.refused": ("未保存：", "Not saved:"),
    "editor.conflict": ("冲突：在您编辑期间，他人已修改了该网格。您的修改未保存，"
                        "地图已显示最新状态，请重新编辑。",
                        "Conflict: someone changed this cell while you were editing. Your "
                        "edit was not saved; the map shows the cell as it is now, redo "
                        "your edit."),
    "editor.load_failed": ("无法读取，请重试。", "Could not be read; try again."),
    "editor.undo.done": ("已撤销。", "Undone."),
    "editor.redo.done": ("已重做。", "Redone."),
    "editor.findings": ("校验", "Validation"),
    "editor.validate": ("校验", "Validate"),
    "editor.no_findings": ("没有发现问题。", "No findings."),
    "editor.severity.blocking": ("阻止生效", "blocking"),
    "editor.severity.warning": ("警告", "warning"),
    "editor.activate": ("生效…", "Activate…"),
    "editor.activate.ask": ("确认让该草稿生效？住户将按新网格重新归属。",
                            "Activate this draft? Households are reassigned to the new cells."),
    "editor.activate.confirm": ("确认生效", "Confirm activation"),
    "editor.activate.blocked": ("有阻止生效的问题，请先修正。",
                                "Blocking findings remain: fix them first."),
    "editor.report.blocking": ("阻止生效的问题", "blocking findings"),
    "editor.report.warnings": ("警告", "warnings"),
    "editor.activated": ("已生效。改变所属网格的住户：",
                         "Activated. Households that changed cell:"),
    "editor.history": ("修改记录", "History"),
    "editor.op.add": ("新增", "added"),
    "editor.op.redraw": ("调整边界", "redrawn"),
    "editor.op.remove": ("删除", "removed"),
    "editor.op.split": ("拆分", "split"),
    "editor.op.merge": ("合并", "merged"),
    "editor.op.paint": ("划转建筑", "painted"),
    "editor.op.propose": ("自动划分", "proposed"),
    "editor.op.repair": ("修复", "repaired"),
    "editor.op.renumber": ("重新编号", "renumbered"),
    "editor.name.placeholder": ("网格名称", "cell name"),
    "editor.name.save": ("保存名称", "Save name"),
    "editor.name.saved": ("名称已保存。", "Name saved."),
    "editor.renumber": ("本村网格重新编号", "Renumber the village's cells"),
    "editor.renumber.note": ("自西向东、自北向南；面积未变的网格保留原编码",
                             "west→east, north→south; a cell whose area is unchanged "
                             "keeps its code"),
    "editor.renumbered": ("已重新编号：", "Renumbered:"),
    "editor.renumber.none": ("没有编码需要改变", "no code had to change"),

    # the server's refusals as the editor shows them (maps/static/js/editor_api.js picks one
    # by the error body's `error` code and fills in its details as text), and the kinds of
    # validation findings (gis/grid/validation.py; the sentences come with each finding)
    "refusal.stale.cell": ("网格 {code} 在您读取后已被修改：现为第 {current} 版{by}，"
                           "您的修改基于第 {yours} 版。请重新读取该网格后再编辑。",
                           "cell {code} changed since you read it: it is at version "
                           "{current}{by}, your edit was based on version {yours}; reload "
                           "the cell and redo your edit"),
    "refusal.stale.generation": ("草稿 {generation} 在您读取后已被修改：现为第 {current} 版"
                                 "{by}，您的请求基于第 {yours} 版。请刷新后重试。",
                                 "generation {generation} changed since you read it: it is "
                                 "at version {current}{by}, your request was based on "
                                 "version {yours}; reload it and try again"),
    "refusal.stale.history": ("网格 {code} 在修改记录第 {seq} 步之后被记录之外的修改改变了；"
                              "撤销或重做这一步会覆盖那次修改。",
                              "cell {code} changed outside the history since edit {seq}; "
                              "undo/redo of that edit would overwrite it"),
    "refusal.stale": ("数据在您读取后已被他人修改，请刷新后重试。",
                      "it changed since you read it; reload and try again"),
    "refusal.by": ("（{what}）", " ({what})"),
    "refusal.and": ("，", ", "),
    "refusal.edited_by": ("修改人 {who}", "by {who}"),
    "refusal.edited_at": ("时间 {when}", "at {when}"),
    "refusal.action.added": ("新增", "added"),
    "refusal.action.redrawn": ("改绘", "redrawn"),
    "refusal.action.removed": ("删除", "removed"),
    "refusal.action.restored": ("恢复", "restored"),
    "refusal.outside_area": ("{codes} 不在您的管辖范围内，您不能修改。",
                             "{codes}: outside your area, you may not edit it"),
    "refusal.outside_area.changes": ("该草稿修改了您管辖范围之外的 {count} 个网格（{codes}），"
                                     "须由管辖范围包括它们的人员操作。",
                                     "the draft changes {count} cells outside your area "
                                     "({codes}); someone whose area covers them must"),
    "refusal.denied": ("您无权执行该操作：{message}", "not allowed: {message}"),
    "refusal.locked.generation": ("版本 {generation} {status}，只有草稿可以修改；"
                                  "请新建草稿后在草稿上编辑。",
                                  "generation {generation} is {status}: only a draft can be "
                                  "changed; create a draft and edit that"),
    "refusal.locked": ("该版本不是草稿，不能修改：{message}",
                       "not a draft, cannot be changed: {message}"),
    "refusal.activation": ("还有 {count} 个阻止生效的问题，请先修正：{findings}",
                           "{count} blocking findings remain; fix them first: {findings}"),
    "refusal.activation.other": ("不能生效：{message}", "cannot be activated: {message}"),
    "refusal.where": ("（{where}）", " ({where})"),
    "refusal.geometry": ("图形无效{where}：{message}", "invalid geometry{where}: {message}"),
    "refusal.coordinates": ("坐标有误{where}：{message}", "wrong coordinates{where}: {message}"),
    "refusal.input": ("输入有误{where}：{message}", "invalid input{where}: {message}"),
    "refusal.reason.line_misses_cell": ("分割线没有切开网格 {code}：线必须从网格的一边穿到另一边。",
                                        "the line does not cut cell {code}: it must cross "
                                        "the cell from edge to edge"),
    "refusal.reason.merge_one_village": ("合并需要同一村（社区）的两个或更多网格。",
                                         "merge needs two or more cells of the same village"),
    "refusal.reason.merge_not_neighbours": ("网格 {codes} 合并后不是一个多边形：只能合并有"
                                            "共同边界的网格。",
                                            "cells {codes} do not form one polygon: merge "
                                            "only cells that share a border"),
    "refusal.reason.nothing_left": ("该修改会使网格 {code} 什么也不剩：请改为删除或合并该网格。",
                                    "the edit would leave nothing of cell {code}: remove or "
                                    "merge it instead"),
    "refusal.reason.cut_into_parts": ("该修改会把网格 {code} 切成 {parts} 块；一个网格必须保持为"
                                      "一个多边形。",
                                      "the edit would cut cell {code} into {parts} parts; a "
                                      "cell must stay one polygon"),
    "refusal.reason.parts": ("一个网格必须是一个闭合的多边形，这里却有 {parts} 个部分。",
                             "a cell must be one closed polygon; got {parts} parts"),
    "refusal.reason.invalid_polygon": ("多边形无效（例如边界自相交）：{why}",
                                       "the polygon is invalid: {why}"),
    "refusal.permission": ("您的角色无权执行该操作（需要权限 {permission}）。",
                           "not allowed: needs the permission {permission}"),
    "refusal.request": ("请求有误：{problems}", "invalid request: {problems}"),
    "refusal.not_found": ("未找到{where}：{message}", "not found{where}: {message}"),
    "refusal.concurrent": ("他人同时提交了对同一数据的修改，请重试。",
                           "another change to the same data was committed at the same "
                           "moment; try again"),
    "refusal.clash": ("与已存储的数据冲突（可能是他人同时写入），请刷新后重试。",
                      "the change clashes with data already stored (possibly written by "
                      "someone else at the same moment); reload and try again"),
    "refusal.conflict": ("与当前状态冲突：{message}", "conflict: {message}"),
    "refusal.unavailable": ("数据库暂时不可用，请稍后重试。",
                            "the database is unavailable; try again shortly"),
    "finding.invalid_geometry": ("图形无效", "invalid geometry"),
    "finding.multipart": ("多部分图形", "several parts"),
    "finding.code": ("编码不合规", "code"),
    "finding.overlap": ("重叠", "overlap"),
    "finding.gap": ("缝隙", "gap"),
    "finding.outside_village": ("超出村界", "outside its village"),
    "finding.sliver": ("狭长碎片", "sliver"),
    "finding.households": ("超出户数范围", "households outside the band"),
    "finding.coverage_edge": ("边界顶点不一致", "unshared border"),
    "finding.off_grid": ("顶点不在精度格网上", "off the precision grid"),
}
