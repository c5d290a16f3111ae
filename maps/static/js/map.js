// The onegrid web map: regions, cells and other layers of the active generation from our
// own API, search, a marker where you click. Strings come from the page (maps/i18n.py).
// No basemap is fetched unless one is configured (offline government networks).
// The overlays offered by permission (map_coverage.js, map_incidents.js) build on what
// this file exposes as window.onegrid.webmap; the log-in is common.js's.
(function () {
  "use strict";
  const el = document.getElementById("map");
  const page = JSON.parse(el.dataset.page);
  const t = (key) => page.strings[key] || key;
  const CELL_PAGE = 500; // cells of the first request: the first ones draw while the rest come
  const NEXT_PAGE = 2000; // cells per request after the first (/cells allows up to 10,000)
  const MAX_CELLS = 5000; // per view; zoom in for more

  const { element, json } = window.onegrid;
  const panel = document.getElementById("panel");
  // The loading indicator: shown while any request of the map is under way.
  const loadingBadge = document.getElementById("loading");
  let inFlight = 0;
  function loading(promise) {
    inFlight += 1;
    loadingBadge.hidden = false;
    return promise.finally(() => {
      inFlight -= 1;
      loadingBadge.hidden = inFlight === 0;
    });
  }
  // The log-in of common.js; its form goes into the panel, opened for it on a phone.
  const { api } = window.onegrid.session({ strings: page.strings, box: panel, busy: loading,
                                           onLogin: () => setPanel(true) });

  const map = L.map(el, { preferCanvas: true }).setView([29.85, 106.05], 10);
  // The panel: beside the map on wide screens, a collapsible sheet on phones.
  const toggle = document.getElementById("panel-toggle");
  function setPanel(open) {
    document.body.classList.toggle("panel-collapsed", !open);
    toggle.setAttribute("aria-expanded", String(open));
    toggle.textContent = open ? toggle.dataset.hide : toggle.dataset.show;
    map.invalidateSize();
  }
  toggle.addEventListener("click", () => setPanel(document.body.classList.contains("panel-collapsed")));
  const narrow = window.matchMedia("(max-width: 640px)");
  setPanel(!narrow.matches);
  L.control.scale({ imperial: false }).addTo(map);
  const basemap = page.basemap_url ? L.tileLayer(page.basemap_url, { maxZoom: 19 }) : null;

  // Households per cell against the band of settings.grid (the one validation uses).
  const band = page.band;
  const bands = [[0, band.min - 1, "#f4d35e", "legend.below"],
                 [band.min, band.max, "#2a9d8f", "legend.within"],
                 [band.max + 1, null, "#e63946", "legend.above"]];
  const bandColour = (n) => bands.find((b) => b[1] === null || n <= b[1])[2];
  const densityStops = [[0, "#f1faee"], [500, "#a8dadc"], [2000, "#457b9d"], [8000, "#1d3557"]];
  const densityColour = (perKm2) => densityStops.filter((s) => perKm2 >= s[0]).pop()[1];
  const perKm2 = (p) => (p.area_m2 > 0 ? (p.households * 1e6) / p.area_m2 : 0);

  const cellTooltip = (f, layer) => layer.bindTooltip(() => element("span", {},
    `${f.properties.code} ${f.properties.name || ""}`, element("br"),
    `${f.properties.households} ${t("tooltip.households")}`));
  // Cells draw on a canvas (thousands of them); the few outlines above them as SVG.
  const outlines = L.svg();
  const regions = L.geoJSON(null, { renderer: outlines, interactive: false,
    style: { color: "#1d3557", weight: 2, fill: false, className: "region-outline" } });
  const cells = L.geoJSON(null, {
    style: (f) => ({ color: "#555", weight: 0.6, fillColor: bandColour(f.properties.households),
                     fillOpacity: 0.55 }),
    onEachFeature: cellTooltip,
  });
  const density = L.geoJSON(null, {
    style: (f) => ({ color: "#777", weight: 0.3, fillColor: densityColour(perKm2(f.properties)),
                     fillOpacity: 0.75 }),
    onEachFeature: cellTooltip,
  });
  const findings = L.geoJSON(null, {
    renderer: outlines,
    style: { color: "#d00000", weight: 3, dashArray: "4 3", fillOpacity: 0.1 },
    onEachFeature: (f, layer) => layer.bindTooltip(() => element("span", {},
      t(`finding.${f.properties.kind}`), element("br"),
      // the sentence in the page's language: both come with each finding
      String((page.lang !== "en" && f.properties.message_zh) || f.properties.message || ""))),
  });
  const buildings = L.layerGroup();
  const highlight = L.geoJSON(null, { renderer: outlines, interactive: false,
    style: { color: "#ff7f00", weight: 4, fill: false, className: "highlight" } }).addTo(map);
  let marker = null;
  let selectedCell = null;
  let generationId = null;

  // The layer switcher: checkboxes in the panel (labels from the catalogue, names as text).
  const layersBox = document.getElementById("layers");
  function addSwitch(key, label, layer, { on = false, load = null, into = layersBox } = {}) {
    const box = element("input", { type: "checkbox", checked: on, id: `layer-${key}` });
    const hint = element("span", { className: "hint" });
    box.addEventListener("change", () => {
      if (box.checked) {
        layer.addTo(map);
        if (load) load(hint);
      } else {
        map.removeLayer(layer);
      }
    });
    into.append(element("label", { htmlFor: box.id }, box, " ", label, " ", hint));
    if (on) layer.addTo(map);
    return box;
  }
  if (basemap) addSwitch("basemap", t("layer.basemap"), basemap, { on: true });
  addSwitch("regions", t("layer.regions"), regions, { on: true });
  addSwitch("cells", t("layer.cells"), cells, { on: true });
  const densityLegend = document.getElementById("legend-density");
  addSwitch("density", t("layer.density"), density, {
    load: () => { densityLegend.hidden = false; } });
  density.on("remove", () => { densityLegend.hidden = true; });
  addSwitch("buildings", t("layer.buildings"), buildings, { load: () => loadBuildings() });
  addSwitch("findings", t("layer.findings"), findings, { load: () => loadFindings() });

  api("/layers").then(json).then((list) => {
    list.forEach((layer) => {
      const geo = L.geoJSON(null, { renderer: outlines,
        style: { color: "#7b3294", weight: 2, fillOpacity: 0.1 },
        onEachFeature: (f, l) => l.bindTooltip(() => element("span", {},
          String(f.properties.source_code || ""), " ", String(f.properties.name || ""))) });
      let loaded = false;
      addSwitch(`department-${layer.id}`,
        `${t("layer.departmental")}${layer.department} · ${layer.name}`, geo, {
          load: () => {
            if (loaded) return;
            loaded = true;
            api(`/layers/${layer.id}/conflation?format=geojson`).then(json)
              .then((fc) => geo.addData(fc)).catch(() => { loaded = false; });
          } });
    });
  }).catch(() => {});

  const legend = document.getElementById("legend");
  legend.append(element("h3", { textContent: t("legend.title") }), ...bands.map((b) => {
    const swatch = element("i");
    swatch.style.background = b[2];
    const range = b[1] === null ? `${b[0]}+` : `${b[0]}–${b[1]}`;
    return element("div", {}, swatch, `${range} ${t(b[3])}`);
  }));

  densityLegend.append(element("h3", { textContent: t("legend.density") }),
    ...densityStops.map((stop, i) => {
      const swatch = element("i");
      swatch.style.background = stop[1];
      const upto = densityStops[i + 1] ? `–${densityStops[i + 1][0]}` : "+";
      return element("div", {}, swatch, `${stop[0]}${upto}`);
    }));

  api("/regions?level=town&zoom=10").then(json).then((fc) => {
    regions.addData(fc);
    if (fc.features.length) map.fitBounds(regions.getBounds());
  }).catch(() => {});

  // Cells of the view, a page at a time: each page is drawn as it arrives, and the next
  // one is asked for before this one is drawn, so the server reads it while we draw.
  const shown = document.getElementById("cells-shown");
  let pending = null;
  function loadCells() {
    const b = map.getBounds();
    const bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((v) => v.toFixed(5));
    if (pending) pending.abort();
    const request = new AbortController();
    pending = request;
    let first = true;
    let total = null;
    let asked = 0; // cells asked for so far: never more than MAX_CELLS per view
    const drawn = new Set(); // codes on the map: a cell is drawn once
    const load = (path, limit) => {
      asked += limit;
      return api(path, { signal: request.signal }).then(json);
    };
    // Keyset paging: the first page counts the view's cells (count=true), each page says
    // where the next one starts (`next`), which keeps the filters; pages after the first
    // are larger (fewer round trips), the first small (the first cells draw sooner).
    const next = (fc) => {
      if (!fc.next || asked >= MAX_CELLS) return null;
      const url = new URL(fc.next, window.location.href);
      const limit = Math.min(NEXT_PAGE, MAX_CELLS - asked);
      url.searchParams.set("limit", String(limit));
      return load(url.pathname + url.search, limit);
    };
    const draw = (fc) => {
      if (request.signal.aborted) return null;
      const following = next(fc);
      if (first) { cells.clearLayers(); density.clearLayers(); first = false; }
      if (fc.numberMatched !== undefined) total = fc.numberMatched;
      generationId = fc.generation;
      const fresh = { type: "FeatureCollection",
                      features: fc.features.filter((f) => !drawn.has(f.properties.code)) };
      fresh.features.forEach((f) => drawn.add(f.properties.code));
      cells.addData(fresh);
      density.addData(fresh);
      const seen = cells.getLayers().length;
      shown.textContent = `${seen} / ${total ?? seen} ${t("cells.shown")}`;
      // data-cells-drawn (tests, bench/map_paint.py): the cells on screen, set in the
      // frame the canvas draws them in (after Leaflet's own redraw, asked for first)
      requestAnimationFrame(() => {
        if (map.hasLayer(cells)) el.dataset.cellsDrawn = String(seen);
      });
      return following ? following.then(draw) : null;
    };
    load(`/cells?bbox=${bbox.join(",")}&zoom=${map.getZoom()}&limit=${CELL_PAGE}&count=true`,
         CELL_PAGE).then(draw).catch(() => {});
  }
  map.on("moveend", loadCells);
  loadCells();

  function loadFindings() {
    if (!generationId) return;
    findings.clearLayers();
    api(`/generations/${generationId}/validation?format=geojson`).then(json)
      .then((fc) => findings.addData(fc)).catch(() => {});
  }
  function loadBuildings() {
    buildings.clearLayers();
    if (!selectedCell || !map.hasLayer(buildings)) return;
    api(`/buildings?cell=${encodeURIComponent(selectedCell)}&limit=2000`).then(json)
      .then((page) => page.items.forEach((b) => L.circleMarker([b.lat, b.lon], {
        radius: 4, color: "#6a4c93", weight: 1, fillOpacity: 0.8 })
        .bindTooltip(() => element("span", { textContent: b.address || "" })).addTo(buildings)))
      .catch(() => {});
  }

  // The marker and highlight: where the user clicked or what they searched for.
  function mark(lat, lng) {
    if (marker) marker.setLatLng([lat, lng]);
    else marker = L.marker([lat, lng], { keyboard: false }).addTo(map);
  }
  function highlightCell(code) {
    selectedCell = code || null;
    highlight.clearLayers();
    if (!code) return;
    api(`/cells/${encodeURIComponent(code)}`).then(json).then((f) => {
      if (selectedCell === code) highlight.addData(f);
    }).catch(() => {});
    loadBuildings();
  }

  const info = document.getElementById("info");
  function locate(lat, lng) {
    mark(lat, lng);
    api(`/locate?lon=${lng}&lat=${lat}`).then(json).then((res) => {
      const line = (key, v) => (v ? [element("div", {}, element("b", { textContent: t(key) }),
        ` ${v.code} ${v.name || ""}`)] : []);
      const lines = [...line("info.cell", res.cell), ...line("info.village", res.village),
                     ...line("info.town", res.town), ...line("info.district", res.district)];
      info.replaceChildren(...(lines.length ? lines : [t("info.outside")]));
      highlightCell(res.cell ? res.cell.code : null);
    }).catch(() => {});
  }
  map.on("click", (e) => locate(e.latlng.lat, e.latlng.lng));

  // Search: cells, regions, buildings and households (GET /search).
  const results = document.getElementById("results");
  function goTo(hit) {
    if (narrow.matches) setPanel(false); // on a phone the sheet would hide what was found
    map.setView([hit.lat, hit.lon], Math.max(map.getZoom(), hit.kind === "cell" ? 15 : 14));
    locate(hit.lat, hit.lon);
  }
  document.getElementById("search").addEventListener("submit", (e) => {
    e.preventDefault();
    const q = document.getElementById("search-q").value.trim();
    if (!q) return;
    api(`/search?q=${encodeURIComponent(q)}`).then(json).then((found) => {
      const hits = found.results;
      results.replaceChildren(...hits.map((hit) => {
        const button = element("button", { type: "button" },
          element("span", { className: "kind", textContent: t(`kind.${hit.kind}`) }),
          `${hit.code} ${hit.name || ""}`);
        button.addEventListener("click", () => goTo(hit));
        return element("li", {}, button);
      }));
      if (!hits.length) results.append(element("li", { className: "empty", textContent: t("search.none") }));
      if (hits.length) goTo(hits[0]);
    }).catch(() => {
      results.replaceChildren(element("li", { className: "error", textContent: t("search.failed") }));
    });
  });

  // What the overlays (map_coverage.js, map_incidents.js) build on. An overlay whose
  // permission the caller lacks is not offered at all; the API scopes what it returns.
  const caller = api("/auth/me").then(json).catch(() => null);
  const may = (permission) => caller.then((me) => Boolean(me) &&
    (me.permissions.includes("*") || me.permissions.includes(permission)));
  window.onegrid.webmap = { map, page, t, api, addSwitch, may };
})();
