// The editor's map: the draft's cells coloured by the household band (the map's legend),
// selection, the findings layer and the layers the impact preview draws. Shared state
// lives on window.onegridEditor (E); the other editor_*.js modules add to it.
(function () {
  "use strict";
  const { element, session } = window.onegrid;
  const el = document.getElementById("map");
  const page = JSON.parse(el.dataset.page);
  const t = (key) => page.strings[key] || key;
  const E = { page, t, element, state: { generation: null, selected: null, tool: "select",
                                        pending: null, versions: new Map() } };
  window.onegridEditor = E;

  // The loading indicator: shown while any request of the page is under way.
  const loadingBadge = document.getElementById("loading");
  let inFlight = 0;
  function busy(promise) {
    inFlight += 1;
    loadingBadge.hidden = false;
    return promise.finally(() => {
      inFlight -= 1;
      loadingBadge.hidden = inFlight === 0;
    });
  }
  const panel = document.getElementById("panel");
  E.session = session({ strings: page.strings, box: panel, busy });

  const map = L.map(el, { doubleClickZoom: false }).setView([29.85, 106.05], 10);
  E.map = map;
  L.control.scale({ imperial: false }).addTo(map);
  if (page.basemap_url) L.tileLayer(page.basemap_url, { maxZoom: 19 }).addTo(map);
  map.pm.setLang(page.lang === "en" ? "en" : "zh");

  // The panel: beside the map on wide screens, a collapsible sheet on phones.
  const toggle = document.getElementById("panel-toggle");
  E.setPanel = (open) => {
    document.body.classList.toggle("panel-collapsed", !open);
    toggle.setAttribute("aria-expanded", String(open));
    toggle.textContent = open ? toggle.dataset.hide : toggle.dataset.show;
    map.invalidateSize();
  };
  toggle.addEventListener("click", () =>
    E.setPanel(document.body.classList.contains("panel-collapsed")));
  E.narrow = window.matchMedia("(max-width: 640px)");
  E.setPanel(!E.narrow.matches);

  // Households per cell against the band of settings.grid (the legend of the web map).
  const band = page.band;
  const bands = [[0, band.min - 1, "#f4d35e", "legend.below", "under"],
                 [band.min, band.max, "#2a9d8f", "legend.within", "within"],
                 [band.max + 1, null, "#e63946", "legend.above", "over"]];
  E.bandOf = (n) => bands.find((b) => b[1] === null || n <= b[1]);
  E.bandColour = (n) => E.bandOf(n)[2];
  document.getElementById("legend").append(
    element("h3", { textContent: t("legend.title") }), ...bands.map((b) => {
      const swatch = element("i");
      swatch.style.background = b[2];
      const range = b[1] === null ? `${b[0]}+` : `${b[0]}–${b[1]}`;
      return element("div", {}, swatch, `${range} ${t(b[3])}`);
    }));

  // Cells as SVG paths (a draft is edited zoomed in): snapping targets for Leaflet-Geoman.
  const byCode = new Map();
  E.cellLayers = byCode;
  const cellStyle = (f) => ({ color: "#444", weight: 1, fillOpacity: 0.5,
                              fillColor: E.bandColour(f.properties.households || 0),
                              className: `cell cell-${f.properties.code}` });
  const cells = L.geoJSON(null, {
    style: cellStyle,
    onEachFeature: (f, layer) => {
      byCode.set(f.properties.code, layer);
      layer.bindTooltip(() => element("span", {}, `${f.properties.code} ${f.properties.name || ""}`,
        element("br"), `${f.properties.households} ${t("tooltip.households")}`));
      layer.on("click", (e) => {
        // while a line is drawn, the click is a vertex of it: the map must get it too
        if (!["select", "merge"].includes(E.state.tool)) return;
        L.DomEvent.stopPropagation(e);
        if (E.onCellClick) E.onCellClick(f.properties.code, f);
      });
    },
  }).addTo(map);
  E.cells = cells;
  // What the page marks: the selected cell, cells picked for a merge, findings, the impact.
  E.marks = L.geoJSON(null, { interactive: false, pmIgnore: true, snapIgnore: true,
    style: (f) => ({ color: f.properties.colour || "#ff7f00", weight: 4, fill: false,
                     className: f.properties.className || "mark" }) }).addTo(map);
  // Findings as outlines only: a click inside one still reaches the cell beneath.
  E.findingsLayer = L.geoJSON(null, { pmIgnore: true, snapIgnore: true,
    style: { color: "#d00000", weight: 3, dashArray: "4 3", fill: false,
             className: "finding" },
    pointToLayer: (f, latlng) => L.circleMarker(latlng, { radius: 6, color: "#d00000" }),
  }).addTo(map);
  E.afterShapes = L.geoJSON(null, { interactive: false, pmIgnore: true, snapIgnore: true,
    style: { color: "#1d3557", weight: 3, dashArray: "6 4", fill: false,
             className: "after-shape" } }).addTo(map);
  E.movedPoints = L.geoJSON(null, { pmIgnore: true, snapIgnore: true,
    pointToLayer: (f, latlng) => L.circleMarker(latlng, {
      radius: 4, weight: 1, fillOpacity: 0.9, className: `moved moved-${f.properties.kind}`,
      color: f.properties.kind === "case" ? "#d62828" : "#6a4c93" }),
  }).addTo(map);

  E.feature = (code) => (byCode.get(code) ? byCode.get(code).feature : null);

  // The draft's cells in view, a page at a time (keyset paging, as the web map does); a
  // first view from the towns' outlines, so a city is never loaded whole.
  const EXACT_ZOOM = 14; // from here on the stored vertices (snapping needs them)
  let pending = null;
  let placed = false;
  let shownId = null; // the generation whose cells are on the map
  function loadView(generation = shownId) {
    const b = map.getBounds();
    const bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((v) => v.toFixed(5));
    const zoom = map.getZoom() < EXACT_ZOOM ? `&zoom=${map.getZoom()}` : "";
    if (pending) pending.abort();
    const request = new AbortController();
    pending = request;
    const loaded = [];
    const load = (path) => E.session.api(path, { signal: request.signal })
      .then(window.onegrid.json).then((fc) => {
        if (request.signal.aborted) return null;
        loaded.push(...fc.features);
        if (!fc.next || loaded.length >= 5000) return null;
        const url = new URL(fc.next, window.location.href);
        return load(url.pathname + url.search);
      });
    return load(`/cells?generation=${generation}&bbox=${bbox.join(",")}${zoom}&limit=1000`)
      .then(() => {
        if (request.signal.aborted) return;
        byCode.clear();
        cells.clearLayers();
        cells.addData({ type: "FeatureCollection", features: loaded });
        document.getElementById("map").dataset.cells = String(byCode.size);
        if (E.onCellsLoaded) E.onCellsLoaded();
      }).catch(() => {});
  }
  // The towns' outlines, asked for once as the page starts (they do not depend on the
  // generation, so they come while the generations are read): the first view.
  let towns = null;
  E.loadTowns = () => {
    if (!towns) {
      towns = E.get("/regions?level=town&zoom=10").then((fc) => {
        if (!placed && fc.features.length) {
          map.fitBounds(L.geoJSON(fc).getBounds(), { animate: false });
        }
      }).catch(() => {});
    }
    return towns;
  };
  // The cells of a generation in view; the first time, once the towns have placed the
  // view. `id` lets the first load start as soon as the generation is chosen, before the
  // generation itself is read (editor_draft.js).
  E.loadCells = (id) => {
    const generation = id || (E.state.generation && E.state.generation.id);
    if (!generation) return Promise.resolve();
    shownId = generation;
    if (placed) return loadView(generation);
    return E.loadTowns().then(() => {
      placed = true;
      return loadView(shownId);
    });
  };
  map.on("moveend", () => { if (placed && !E.state.pending) loadView(); });

  // Marks: an outline for the selected cell (and each cell picked for a merge).
  E.redrawMarks = () => {
    E.marks.clearLayers();
    const picked = E.state.tool === "merge" ? [...(E.state.mergeSet || [])] : [];
    const codes = E.state.selected ? [E.state.selected, ...picked] : picked;
    codes.forEach((code) => {
      const f = E.feature(code);
      if (f) E.marks.addData({ ...f, properties: { className: "mark selected-cell" } });
    });
  };
})();
