// Names and numbers: name the selected cell (its outline unchanged, based on the version
// read when it was picked) and renumber the village's cells west→east, north→south.
(function () {
  "use strict";
  const E = window.onegridEditor;
  const { t, element } = E;
  const box = document.getElementById("naming");
  const reason = document.getElementById("reason");
  const why = (body) => (reason.value.trim() ? { ...body, reason: reason.value.trim() } : body);

  function answered(answer, done) {
    if (answer.ok) {
      E.say(done, "ok");
      reason.value = "";
      return E.afterSave();
    }
    const conflict = answer.status === 409;
    E.say(`${t(conflict ? "editor.conflict" : "editor.refused")} ${E.refusal(answer)}`,
          conflict ? "error conflict" : "error");
    return conflict ? E.afterSave() : null;
  }

  // The form under the figures, for the cell as it was read (null: nothing selected).
  E.onCellRead = (feature) => {
    if (!feature || !E.state.generation || E.state.generation.status !== "draft") {
      box.replaceChildren();
      return;
    }
    const code = feature.properties.code;
    const name = element("input", { id: "cell-name", maxLength: 100,
                                    value: feature.properties.name || "",
                                    placeholder: t("editor.name.placeholder") });
    const nameForm = element("form", { id: "name-cell", className: "buttons" }, name,
      element("button", { type: "submit", textContent: t("editor.name.save") }));
    nameForm.addEventListener("submit", (e) => {
      e.preventDefault();
      const body = why({ type: "Feature", geometry: feature.geometry,
                         properties: { name: name.value.trim() || null } });
      E.send("PUT", `/generations/${E.state.generation.id}/cells/${code}`, body,
             feature.properties.version).then((a) => answered(a, t("editor.name.saved")));
    });
    const renumber = element("button", { type: "button", id: "renumber",
                                          textContent: t("editor.renumber") });
    if (E.can.renumber) renumber.title = t("editor.renumber.note");
    else E.unavailable(renumber);
    renumber.addEventListener("click", () => {
      const village = code.slice(0, 12);
      const g = E.state.generation;
      E.send("POST", `/generations/${g.id}/renumber`, why({ village }), g.version)
        .then((a) => {
          const renamed = (a.ok && a.body.renamed) || [];
          const list = renamed.map((r) => `${r.from} → ${r.to}`).join(", ");
          return answered(a, `${t("editor.renumbered")} ${list || t("editor.renumber.none")}`);
        });
    });
    box.replaceChildren(nameForm, element("div", { className: "buttons" }, renumber));
  };
})();
