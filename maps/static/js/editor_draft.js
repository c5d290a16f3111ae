// The draft the editor works on (open it, or create one), the selected cell's figures,
// validation findings (on the map and in a list that zooms to each), activation with its
// report and a confirmation, and the draft's history.
(function () {
  "use strict";
  const E = window.onegridEditor;
  const { t, element, map } = E;
  const draftBox = document.getElementById("draft");
  const figuresBox = document.getElementById("figures");
  const reportBox = document.getElementById("report");
  const findingsList = document.getElementById("findings");
  const historyList = document.getElementById("history");
  const validateButton = document.getElementById("validate");
  const activateButton = document.getElementById("activate");

  // Which generation: ?generation=, else the draft there is; none → a form to create one,
  // over the active generation's cells (read only), so the planner sees the grid at once.
  // E.onChosen(id) hears the choice before the generation is read (its cells can come
  // meanwhile).
  const choose = (id) => {
    if (E.onChosen) E.onChosen(id);
    return E.readGeneration(id);
  };
  E.openDraft = () => {
    const asked = E.page.generation;
    if (asked) return choose(asked);
    return E.get("/generations").then((all) => {
      const draft = all.find((g) => g.status === "draft");
      if (draft) return choose(draft.id);
      const active = all.find((g) => g.status === "active");
      const shown = active ? choose(active.id) : Promise.resolve(null);
      return shown.then((generation) => {
        showCreate();
        return generation;
      });
    });
  };
  function showCreate() {
    const name = element("input", { id: "draft-name", required: true, maxLength: 200,
                                     placeholder: t("editor.draft.name") });
    const form = element("form", { id: "create-draft" },
      element("p", { textContent: t("editor.draft.none") }), name, " ",
      element("button", { type: "submit", textContent: t("editor.draft.create") }));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      E.send("POST", "/generations", { name: name.value.trim() }).then((answer) => {
        if (!answer.ok) return E.say(`${t("editor.refused")} ${E.refusal(answer)}`, "error");
        history.replaceState(null, "", `/editor?generation=${answer.body.id}`);
        return E.readGeneration(answer.body.id).then(E.afterSave);
      });
    });
    draftBox.replaceChildren(form);
  }
  E.onGeneration = (g) => {
    const status = t(`editor.status.${g.status}`);
    draftBox.replaceChildren(element("h2", { id: "draft-title" },
      `${t("editor.draft")} #${g.id} `, element("span", { textContent: g.name })),
      element("div", { className: "hint", id: "draft-status",
                       textContent: `${status} · ${g.cells} ${t("editor.cells")}` }));
    if (g.status !== "draft") {
      draftBox.append(element("p", { className: "hint", textContent: t("editor.read_only") }));
    }
    activateButton.disabled = g.status !== "draft";
    if (E.refreshTools) E.refreshTools();
  };

  // The selected cell: its outline marked, its figures, its version remembered.
  E.selectCell = (code) => {
    E.state.selected = code;
    E.redrawMarks();
    E.refreshTools();
    if (E.onCellRead) E.onCellRead(null);
    if (!code) return figuresBox.replaceChildren(t("editor.pick"));
    const feature = E.feature(code);
    const rows = [["editor.cell", code], ["editor.name", (feature && feature.properties.name) || ""],
                  ["editor.households", feature ? feature.properties.households : ""]];
    const list = () => element("dl", {}, ...rows.flatMap(([k, v]) => [
      element("dt", { textContent: t(k) }), element("dd", { textContent: String(v) })]));
    figuresBox.replaceChildren(list());
    E.readCell(code).then((read) => {
      if (E.state.selected === code && E.onCellRead) E.onCellRead(read);
    }).catch(() => {});
    return E.get(`/rollups/cells?generation=${E.state.generation.id}&region=${code.slice(0, 12)}`)
      .then((answer) => {
        const row = answer.items.find((r) => r.code.trim() === code);
        if (!row || E.state.selected !== code) return;
        rows.push(["editor.persons", row.residents]);
        if (row.special_total !== undefined) rows.push(["editor.special", row.special_total]);
        figuresBox.replaceChildren(list());
      }).catch(() => {});
  };

  // Validation: findings on the map and as a list; each entry zooms to its place (or,
  // for a finding without one, to its first cell).
  function zoomTo(layer, finding) {
    if (layer && layer.getBounds) map.fitBounds(layer.getBounds(), { maxZoom: 16 });
    else if (layer && layer.getLatLng) map.setView(layer.getLatLng(), 16);
    else if (finding.codes[0] && E.cellLayers.get(finding.codes[0])) {
      map.fitBounds(E.cellLayers.get(finding.codes[0]).getBounds());
    }
    if (finding.codes[0]) E.selectCell(finding.codes[0]);
    if (E.narrow.matches) E.setPanel(false);
  }
  // A finding's sentence in the page's language (both come with it, gis/grid/validation.py);
  // a server without the Chinese one leaves the English.
  E.findingText = (f) => (E.page.lang === "en" ? f.message : f.message_zh || f.message);
  function showFindings(geojson) {
    E.findingsLayer.clearLayers();
    findingsList.replaceChildren(...geojson.features.map((feature) => {
      const f = feature.properties;
      const before = E.findingsLayer.getLayers().length;
      if (feature.geometry) E.findingsLayer.addData(feature);
      const layer = E.findingsLayer.getLayers()[before]; // undefined: nowhere to draw it
      const sentence = E.findingText(f);
      if (layer) layer.bindTooltip(() => element("span", { textContent: sentence }));
      const b = element("button", { type: "button", className: `finding-${f.severity}` },
        element("span", { className: "kind", textContent: t(`editor.severity.${f.severity}`) }),
        ` ${sentence}`);
      b.addEventListener("click", () => zoomTo(layer, f));
      return element("li", {}, b);
    }));
    if (!geojson.features.length) {
      findingsList.append(element("li", { className: "hint", textContent: t("editor.no_findings") }));
    }
  }
  E.validate = () => {
    const g = E.state.generation;
    if (!g) return Promise.resolve(null);
    const base = `/generations/${g.id}/validation`;
    return Promise.all([E.get(base), E.get(`${base}?format=geojson`)]).then(([report, geo]) => {
      showFindings(geo);
      return report;
    });
  };
  validateButton.addEventListener("click", () => E.validate());

  // Activation: the report first (what blocks, what warns), then an explicit confirmation.
  activateButton.addEventListener("click", () => E.validate().then((report) => {
    if (!report) return;
    const summary = element("p", { id: "activation-report",
      textContent: `${t("editor.report.blocking")} ${report.blocking} · ${t("editor.report.warnings")} ${report.warnings}` });
    const confirm = element("button", { type: "button", id: "confirm-activate",
                                        textContent: t("editor.activate.confirm") });
    const cancel = element("button", { type: "button", textContent: t("editor.cancel") });
    confirm.disabled = report.blocking > 0;
    if (report.blocking > 0) confirm.title = t("editor.activate.blocked");
    cancel.addEventListener("click", () => reportBox.replaceChildren());
    confirm.addEventListener("click", () => {
      const g = E.state.generation;
      confirm.disabled = true;
      E.send("POST", `/generations/${g.id}/activate`, {}, g.version).then((answer) => {
        reportBox.replaceChildren();
        if (!answer.ok) return E.say(`${t("editor.refused")} ${E.refusal(answer)}`, "error");
        E.say(`${t("editor.activated")} ${answer.body.households_moved} ${t("editor.moves.households")}`, "ok");
        // from the answer itself: a read straight after it can come before the commit
        E.state.generation = { ...g, status: "active", version: answer.body.version,
                               effective_from: answer.body.effective_from };
        E.onGeneration(E.state.generation);
        E.onCellRead(null);
        return null;
      });
    });
    reportBox.replaceChildren(summary, element("p", { textContent: t("editor.activate.ask") }),
                              element("div", { className: "buttons" }, confirm, cancel));
  }));

  // The draft's history (who, what, why), when the server keeps one.
  E.loadHistory = () => {
    if (!E.can.history || !E.state.generation) {
      historyList.replaceChildren(element("li", { className: "hint", textContent: t("editor.not_yet") }));
      E.setHistoryButtons(null);
      return Promise.resolve();
    }
    return E.get(`/generations/${E.state.generation.id}/history`).then((h) => {
      E.setHistoryButtons(h);
      historyList.replaceChildren(...h.items.slice().reverse().map((item) => element("li", {
        className: item.undone ? "undone" : "",
        textContent: `${item.seq}. ${t(`editor.op.${item.op}`)} ${(item.codes || []).join(", ")}`
          + ` · ${item.author || ""}`
          + `${item.reason ? ` · ${item.reason}` : ""}` })));
    }).catch(() => {});
  };
})();
