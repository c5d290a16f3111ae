// Incidents on the web map: the cases in the view (open ones unless a status is chosen),
// coloured by their light (green, yellow, red; grey before the clock runs), filtered by
// category, status, light and when they were reported. Each has a popup, built as text,
// that links to the case on the dispatcher console. Offered to callers who may read
// incidents; nothing is fetched until the layer is switched on.
(function () {
  "use strict";
  const { element, json } = window.onegrid;
  const { map, page, t, api, addSwitch, may } = window.onegrid.webmap;
  map.createPane("incidents").style.zIndex = 450; // points above every area layer
  const svg = L.svg({ pane: "incidents" });
  const OPEN = ["reported", "registered", "dispatched", "handling", "feedback", "verified"];
  const OTHER = ["closed", "evaluated", "rejected", "merged", "cancelled"];
  const COLOURS = { red: "#d62828", yellow: "#f2b705", green: "#2a9d8f", none: "#6c757d" };
  const WINDOWS = ["all", "1", "7", "30", "90"]; // days back from now
  const PAGE = 1000; // cases per request (the API's most)
  const MAX_CASES = 5000; // per view; zoom in for more
  const group = document.getElementById("layers-incidents");
  const legend = document.getElementById("legend-incidents");
  const cases = L.layerGroup();

  const option = (value, label) => element("option", { value, textContent: label });
  const choice = (name, label, options) => element("label", {}, label, " ",
    element("select", { name }, ...options));
  const filters = element("form", { id: "incident-filters", hidden: true },
    choice("category", t("console.category"), [option("", t("incidents.any"))]),
    choice("status", t("console.status"), [option("open", t("incidents.open")),
      ...[...OPEN, ...OTHER].map((s) => option(s, t(`status.${s}`)))]),
    choice("light", t("console.light"), [option("", t("incidents.any")),
      ...["red", "yellow", "green"].map((l) => option(l, t(`light.${l}`)))]),
    choice("window", t("incidents.window"),
      WINDOWS.map((w) => option(w, t(`incidents.window.${w}`)))));
  const shown = element("div", { id: "incidents-shown", role: "status" });

  // The catalogue for the category filter: asked for once, when the layer first goes on.
  let categoriesAsked = false;
  function loadCategories() {
    if (categoriesAsked) return;
    categoriesAsked = true;
    const name = (c) => (page.lang === "en" ? c.name_en : c.name_zh) || c.code;
    api("/incidents/categories").then(json).then((list) => {
      filters.elements.category.append(...list.map((c) =>
        option(c.code, `${c.parent ? "· " : ""}${name(c)}`)));
    }).catch(() => { categoriesAsked = false; });
  }

  function query(after) {
    const f = filters.elements;
    const q = new URLSearchParams();
    (f.status.value === "open" ? OPEN : [f.status.value]).forEach((s) => q.append("status", s));
    if (f.category.value) q.set("category", f.category.value);
    if (f.light.value) q.set("light", f.light.value);
    if (f.window.value !== "all") {
      q.set("since", new Date(Date.now() - Number(f.window.value) * 86400000).toISOString());
    }
    const b = map.getBounds();
    q.set("bbox", [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]
      .map((v) => v.toFixed(5)).join(","));
    q.set("limit", String(PAGE));
    q.set("after", String(after));
    return `/incidents?${q}`;
  }

  const when = (iso) => (iso ? new Date(iso).toLocaleString(page.lang) : "—");
  function popup(p) {
    const light = p.light || "none";
    const fact = (key, value) => element("div", {}, element("b", { textContent: t(key) }),
      ` ${value ?? "—"}`);
    return element("div", { className: "incident-popup" },
      element("b", { className: "code", textContent: p.code }),
      element("div", { className: "title", textContent: p.title || "" }),
      fact("console.category", page.lang === "en" ? p.category_en : p.category_zh),
      fact("console.status", t(`status.${p.status}`)),
      fact("console.light", t(`light.${light}`)),
      fact("console.reported", when(p.reported_at)),
      fact("console.cell", p.cell_code),
      element("a", { href: `/console?case=${encodeURIComponent(p.id)}`,
                     textContent: t("incidents.open_console") }));
  }
  function draw(feature) {
    const [lon, lat] = feature.geometry.coordinates;
    const light = feature.properties.light || "none";
    L.circleMarker([lat, lon], { renderer: svg, radius: 7, color: "#222", weight: 1,
      fillColor: COLOURS[light], fillOpacity: 0.9, className: `incident light-${light}`,
      bubblingMouseEvents: false }) // a click opens the case, it does not locate a point
      .bindPopup(() => popup(feature.properties)).addTo(cases);
  }

  // Cases at one spot overlap: the urgent ones go on top, red above yellow.
  function urgentOnTop() {
    ["yellow", "red"].forEach((light) => cases.eachLayer((marker) => {
      if (marker.options.className.endsWith(`light-${light}`)) marker.bringToFront();
    }));
  }

  // The cases of the view, a page at a time; a newer request (the view moved, a filter
  // changed) makes the older one give up.
  let pending = null;
  function loadCases(hint) {
    if (!map.hasLayer(cases)) return;
    if (pending) pending.abort();
    const request = new AbortController();
    pending = request;
    let first = true;
    let seen = 0;
    const load = (after) => api(query(after), { signal: request.signal }).then(json)
      .then((fc) => {
        if (request.signal.aborted) return null;
        if (first) { cases.clearLayers(); first = false; }
        fc.features.filter((f) => f.geometry).forEach(draw);
        urgentOnTop();
        seen += fc.features.length;
        const more = fc.next_after && seen < MAX_CASES;
        shown.textContent = `${seen} ${t("incidents.shown")}${fc.next_after && !more
          ? ` ${t("layer.zoom_in")}` : ""}`;
        return more ? load(fc.next_after) : null;
      });
    hint.textContent = "";
    load(0).catch((error) => {
      if (!request.signal.aborted && error.name !== "AbortError") {
        hint.textContent = t("incidents.load_failed");
      }
    });
  }

  function showLegend() {
    legend.replaceChildren(element("h3", { textContent: t("legend.incidents") }),
      ...["red", "yellow", "green", "none"].map((light) => {
        const dot = element("i", { className: "dot" });
        dot.style.background = COLOURS[light];
        return element("div", {}, dot, t(`light.${light}`));
      }));
    legend.hidden = false;
  }

  function offer() {
    let hint = null;
    addSwitch("incidents", t("layer.incidents"), cases, {
      into: group,
      load: (where) => {
        hint = where;
        filters.hidden = false;
        showLegend();
        loadCategories();
        loadCases(hint);
      },
    });
    cases.on("remove", () => {
      filters.hidden = true;
      legend.hidden = true;
      shown.textContent = "";
      if (pending) pending.abort();
    });
    filters.addEventListener("change", () => loadCases(hint));
    map.on("moveend", () => loadCases(hint));
    group.append(filters, shown);
    group.hidden = false;
  }

  may("incidents:read").then((allowed) => { if (allowed) offer(); });
})();
