// The planner's editor (/editor): starts the modules of editor_*.js over one draft, and
// after every change (saved, undone, refused as stale) shows the draft as it is now.
(function () {
  "use strict";
  const E = window.onegridEditor;

  // After a write: the draft's new version, its cells, findings and history; the tool
  // goes back to selection and the cell stays selected when it still exists.
  E.afterSave = () => {
    E.resetTool();
    E.setPending(null);
    const g = E.state.generation;
    if (!g) return Promise.resolve();
    return E.readGeneration(g.id)
      .then(() => Promise.all([E.loadCells(), E.loadHistory(), E.validate().catch(() => null)]))
      .then(() => {
        const code = E.state.selected;
        E.selectCell(code && E.feature(code) ? code : null);
      });
  };
  E.onCellsLoaded = () => E.redrawMarks();

  // What does not wait on another: the towns' outlines (the first view) with the list of
  // generations, and the chosen generation's cells with the reading of that generation.
  E.loadTowns();
  let firstCells = null;
  E.onChosen = (id) => { firstCells = E.loadCells(id); };
  E.loadCapabilities()
    .then(() => E.openDraft())
    .then((generation) => {
      E.onChosen = null;
      E.refreshTools();
      if (!generation) return null;
      return Promise.all([firstCells || E.loadCells(), E.loadHistory(),
                          E.validate().catch(() => null)]);
    })
    .then(() => { document.body.dataset.ready = "true"; })
    .catch(() => {});
})();
