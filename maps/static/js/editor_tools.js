// The editing tools: select a cell, split it along a drawn line, merge neighbours, move a
// boundary (Leaflet-Geoman vertex editing, snapping to the neighbours' vertices and
// edges; the neighbour follows on save) and paint buildings to a cell; undo and redo.
(function () {
  "use strict";
  const E = window.onegridEditor;
  const { t, element, map } = E;
  const toolsBox = document.getElementById("tools");
  const hint = document.getElementById("tool-hint");
  const SNAP = { snappable: true, snapDistance: 20, snapVertex: true, snapSegment: true };
  const buttons = {};
  let editing = null; // the polygon being reshaped (a copy of the selected cell)
  const buildings = L.layerGroup().addTo(map);
  const sketch = L.geoJSON(null, { interactive: false, pmIgnore: true, snapIgnore: true,
    style: { color: "#d00000", weight: 3, className: "sketch" } }).addTo(map);

  function button(name, onClick) {
    const b = element("button", { type: "button", id: `tool-${name}`,
                                  textContent: t(`editor.tool.${name}`) });
    b.addEventListener("click", onClick);
    toolsBox.append(b);
    buttons[name] = b;
    return b;
  }
  const needsCell = (name) => ["split", "boundary", "paint"].includes(name);
  E.refreshTools = () => {
    const draft = E.state.generation && E.state.generation.status === "draft";
    Object.entries(buttons).forEach(([name, b]) => {
      b.setAttribute("aria-pressed", String(E.state.tool === name));
      if (["undo", "redo"].includes(name)) return; // set by the history
      b.disabled = !draft || (needsCell(name) && !E.state.selected);
      b.title = draft && needsCell(name) && !E.state.selected ? t("editor.pick") : "";
      if ((name === "paint" && !E.can.paint) || (name === "boundary" && !E.can.follow)) {
        E.unavailable(b);
      }
    });
  };

  // Back to plain selection: whatever a tool had switched on is switched off.
  E.resetTool = () => {
    map.pm.disableDraw();
    if (editing) {
      editing.pm.disable();
      map.removeLayer(editing);
      editing = null;
    }
    buildings.clearLayers();
    sketch.clearLayers();
    E.state.mergeSet = new Set();
    E.state.paintSet = new Set();
    E.state.tool = "select";
    hint.textContent = "";
    E.redrawMarks();
    E.refreshTools();
  };
  function start(name, hintKey) {
    E.resetTool();
    E.setPending(null);
    E.state.tool = name;
    hint.textContent = t(hintKey);
    if (E.narrow.matches) E.setPanel(false); // on a phone: the whole map, to draw on
    E.refreshTools();
  }

  // Select: the cell's figures, and its version (the ETag its edits are based on).
  E.onCellClick = (code) => {
    if (E.state.tool === "merge") return toggleMerge(code);
    if (E.state.tool !== "select") return null;
    return E.selectCell(code);
  };

  // Split: a line drawn across the selected cell (snapping to its vertices and edges).
  button("split", () => {
    start("split", "editor.hint.split");
    map.pm.enableDraw("Line", { ...SNAP, finishOn: "dblclick" });
  });
  map.on("pm:create", (e) => {
    const line = e.layer.toGeoJSON().geometry;
    map.removeLayer(e.layer);
    if (E.state.tool !== "split") return;
    sketch.clearLayers();
    sketch.addData(line); // the cut stays on the map until it is saved or cancelled
    E.setPending({ op: "split", code: E.state.selected, line });
  });

  // Merge: pick neighbours (the selected cell and each one clicked).
  function toggleMerge(code) {
    const set = E.state.mergeSet;
    if (set.has(code)) set.delete(code);
    else set.add(code);
    E.redrawMarks();
    E.readCell(code).catch(() => {});
    const codes = [...new Set([E.state.selected, ...set].filter(Boolean))];
    E.setPending(codes.length >= 2 ? { op: "merge", codes } : null);
  }
  button("merge", () => start("merge", "editor.hint.merge"));

  // Move a boundary: the selected cell's stored outline, with its vertices to drag.
  button("boundary", () => {
    const code = E.state.selected;
    start("boundary", "editor.hint.boundary");
    E.readCell(code).then((feature) => {
      editing = L.geoJSON(feature, { snapIgnore: true,
        style: { color: "#1d3557", weight: 3, fillOpacity: 0.1, className: "editing" } })
        .getLayers()[0];
      editing.addTo(map);
      editing.pm.enable({ ...SNAP, allowSelfIntersection: false, draggable: false });
      editing.on("pm:edit", () => E.setPending({ op: "redraw", code,
                                                  geometry: editing.toGeoJSON().geometry }));
    }).catch(() => E.say(t("editor.load_failed"), "error"));
  });

  // Paint: buildings of the village as dots; each one clicked goes to the selected cell.
  button("paint", () => {
    const to = E.state.selected;
    start("paint", "editor.hint.paint");
    E.get(`/buildings?region=${to.slice(0, 12)}&limit=2000`).then((found) => {
      found.items.forEach((b) => {
        const dot = L.circleMarker([b.lat, b.lon], { radius: 5, color: "#6a4c93", weight: 1,
          fillOpacity: 0.7, className: `building building-${b.id}`, pmIgnore: true,
          snapIgnore: true }).addTo(buildings);
        dot.bindTooltip(() => element("span", { textContent: b.address || String(b.id) }));
        dot.on("click", (e) => {
          L.DomEvent.stopPropagation(e);
          const set = E.state.paintSet;
          if (set.has(b.id)) set.delete(b.id);
          else set.add(b.id);
          dot.setStyle({ color: set.has(b.id) ? "#ff7f00" : "#6a4c93" });
          E.setPending(set.size ? { op: "paint", to, buildings: [...set] } : null);
        });
      });
    }).catch(() => E.say(t("editor.load_failed"), "error"));
  });

  // Undo and redo the draft's last change (If-Match: the draft's version).
  function step(which) {
    const g = E.state.generation;
    E.send("POST", `/generations/${g.id}/${which}`, null, g.version).then((answer) => {
      if (answer.ok) {
        E.say(t(`editor.${which}.done`), "ok");
        return E.afterSave(answer.body);
      }
      E.say(`${t(answer.status === 409 ? "editor.conflict" : "editor.refused")} ${E.refusal(answer)}`,
            "error");
      return answer.status === 409 ? E.afterSave() : null;
    });
  }
  button("undo", () => step("undo"));
  button("redo", () => step("redo"));
  E.setHistoryButtons = (history) => {
    ["undo", "redo"].forEach((name) => {
      if (!E.can[name]) return E.unavailable(buttons[name]);
      const draft = E.state.generation && E.state.generation.status === "draft";
      buttons[name].disabled = !draft || !history || !history[`can_${name}`];
      buttons[name].title = "";
      return null;
    });
  };
  E.resetTool();
  E.setHistoryButtons(null);
})();
