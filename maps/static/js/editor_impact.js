// An edit waiting to be saved: its live balance and impact (POST /preview, nothing written),
// the households and cases that would change cell on the map, then the save with If-Match
// and, when someone else edited first, the 409 in words and the cell as it is now.
(function () {
  "use strict";
  const E = window.onegridEditor;
  const { t, element } = E;
  const box = document.getElementById("impact");
  const body = document.getElementById("impact-body");
  const saveButton = document.getElementById("save");
  const reason = document.getElementById("reason");
  let previewRequest = 0;

  const figures = (f) => (f ? [f.households, f.persons, f.special_populations] : ["", "", ""]);
  function balanceTable(cells) {
    const head = element("tr", {}, ...["editor.cell", "editor.households", "editor.persons",
      "editor.special"].map((key) => element("th", { textContent: t(key) })));
    const rows = cells.map((c) => {
      const before = figures(c.before);
      const after = figures(c.after);
      // band null: the edit removes the cell (a merge)
      const tr = element("tr", { className: `band-${c.band || "none"}` },
        element("td", { textContent: c.band ? c.code : `${c.code} ${t("editor.removed")}` }),
        ...before.map((b, i) => element("td", {
          textContent: c.before && c.after ? `${b} → ${after[i]}` : `→ ${after[i]}` })));
      tr.dataset.code = c.code;
      return tr;
    });
    return element("table", { id: "balance" }, element("thead", {}, head),
                   element("tbody", {}, ...rows));
  }
  function movesList(moves, truncated) {
    const keys = ["households", "persons", "special_populations", "staff_assignments",
                  "open_cases"];
    const items = keys.map((k) => element("li", { textContent: `${t(`editor.moves.${k}`)}: ${moves[k] ?? 0}` }));
    if (truncated) items.push(element("li", { className: "hint", textContent: t("editor.truncated") }));
    return element("div", {}, element("h4", { textContent: t("editor.moves") }),
                   element("ul", { id: "moves" }, ...items));
  }

  function showPreview(answer) {
    E.afterShapes.clearLayers();
    E.movedPoints.clearLayers();
    if (answer.shapes) E.afterShapes.addData(answer.shapes);
    if (answer.moved) E.movedPoints.addData(answer.moved);
    body.replaceChildren(balanceTable(answer.cells || []),
                         movesList(answer.moves || {}, answer.moved && answer.moved.truncated));
  }

  // The preview body of each kind of edit (the contract's "op"s).
  function previewBody(edit) {
    if (edit.op === "split") return { op: "split", code: edit.code, line: edit.line };
    if (edit.op === "merge") return { op: "merge", codes: edit.codes };
    if (edit.op === "paint") return { op: "paint", to: edit.to, buildings: edit.buildings };
    return { op: "redraw", code: edit.code, geometry: edit.geometry, follow: true };
  }

  // A new or changed edit: show it and, where the server can, its impact before saving.
  E.setPending = (edit) => {
    E.state.pending = edit;
    box.hidden = !edit;
    // on a phone the panel may be folded away: its toggle says an edit waits there
    document.getElementById("panel-toggle").classList.toggle("attention", Boolean(edit));
    E.afterShapes.clearLayers();
    E.movedPoints.clearLayers();
    if (!edit) return Promise.resolve();
    saveButton.disabled = false;
    body.replaceChildren(element("p", { textContent: t(`editor.pending.${edit.op}`) }));
    if (!E.can.preview) {
      body.append(element("p", { className: "hint", textContent: t("editor.no_preview") }));
      return Promise.resolve();
    }
    const mine = ++previewRequest;
    body.append(element("p", { className: "hint", textContent: t("loading") }));
    return E.send("POST", `/generations/${E.state.generation.id}/preview`, previewBody(edit))
      .then((answer) => {
        if (mine !== previewRequest || E.state.pending !== edit) return;
        if (answer.ok) showPreview(answer.body);
        else body.replaceChildren(element("p", { className: "error",
          textContent: `${t("editor.refused")} ${E.refusal(answer)}` }));
      });
  };

  // The write of each kind of edit, based on the versions read when the cells were picked.
  function write(edit, why) {
    const g = E.state.generation.id;
    const v = (code) => E.state.versions.get(code);
    const withReason = (b) => (why ? { ...b, reason: why } : b);
    if (edit.op === "split") {
      return E.send("POST", `/generations/${g}/cells/${edit.code}/split`,
                    withReason({ line: edit.line }), v(edit.code));
    }
    if (edit.op === "merge") {
      const versions = Object.fromEntries(edit.codes.filter(v).map((c) => [c, v(c)]));
      return E.send("POST", `/generations/${g}/merge`, withReason({ codes: edit.codes, versions }));
    }
    if (edit.op === "paint") {
      const versions = v(edit.to) ? { [edit.to]: v(edit.to) } : undefined;
      return E.send("POST", `/generations/${g}/paint`,
                    withReason({ to: edit.to, buildings: edit.buildings, versions }));
    }
    return E.send("PUT", `/generations/${g}/cells/${edit.code}?follow=true`,
                  withReason({ type: "Feature", geometry: edit.geometry, properties: {} }),
                  v(edit.code));
  }

  // 409: who changed what meanwhile, then the cells as they are now (the edit is dropped).
  function conflict(answer, edit) {
    // the refusal names who changed it and when (E.refusal, from the details)
    E.say([element("b", { textContent: t("editor.conflict") }), " ", E.refusal(answer)],
          "error conflict");
    const codes = edit.codes || [edit.code || edit.to];
    return E.afterSave().then(() => Promise.all(codes.filter(E.feature).map(E.readCell)));
  }

  E.save = () => {
    const edit = E.state.pending;
    if (!edit) return Promise.resolve();
    saveButton.disabled = true;
    return write(edit, reason.value.trim()).then((answer) => {
      if (answer.ok) {
        E.say(t("editor.saved"), "ok");
        reason.value = "";
        return E.afterSave(answer.body);
      }
      if (answer.status === 409) return conflict(answer, edit);
      saveButton.disabled = false;
      E.say(`${t("editor.refused")} ${E.refusal(answer)}`, "error");
      return null;
    }).catch(() => { saveButton.disabled = false; });
  };
  saveButton.addEventListener("click", () => E.save());
  // Opening the folded panel while an edit waits shows the edit's impact first.
  const toggle = document.getElementById("panel-toggle");
  toggle.addEventListener("click", () => {
    if (E.state.pending && toggle.getAttribute("aria-expanded") === "true") {
      box.scrollIntoView({ block: "start" });
    }
  });
  document.getElementById("cancel").addEventListener("click", () => {
    if (E.resetTool) E.resetTool();
    E.setPending(null);
  });
})();
