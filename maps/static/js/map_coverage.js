// Staffing coverage on the web map: households per full-time worker, special populations
// per helper, households looked after per serving party member and the share of households
// they look after, vacancies and rules failed, one choropleth each, from /audit/staffing/cells
// (the audited cells of the caller's area, with each measure and its colour bands).
// Offered only to callers who may read the audit; fetched when first switched on, once.
// One measure at a time: switching one on switches the others off.
(function () {
  "use strict";
  const { element, json } = window.onegrid;
  const { map, t, api, addSwitch, may } = window.onegrid.webmap;
  // Above the cells (a canvas in the overlay pane), so the hovered choropleth answers;
  // below the incidents' pane (450) and the markers.
  map.createPane("coverage").style.zIndex = 420;
  const svg = L.svg({ pane: "coverage" });
  const MEASURES = ["households_per_fulltime", "special_per_helper",
                    "households_per_party_member", "party_households_share", "vacancies",
                    "rules_failed"];
  const NO_VALUE = "#bdbdbd"; // no full-time worker / helper / party member: no ratio
  // what a grey cell lacks, where one measure says it more exactly than coverage.no_value
  const NO_VALUE_TEXT = { households_per_party_member: "coverage.no_party_member",
                          party_households_share: "coverage.no_party_member_or_households" };
  const PARTY = ["households_per_party_member", "party_households_share"];
  const noValue = (measure) => t(NO_VALUE_TEXT[measure] || "coverage.no_value");
  const group = document.getElementById("layers-coverage");
  const legend = document.getElementById("legend-coverage");

  let audited = null; // the promise of the audited cells, once asked for
  function auditedCells() {
    if (!audited) {
      audited = api("/audit/staffing/cells").then(json);
      audited.catch(() => { audited = null; }); // a failure is tried again next time
    }
    return audited;
  }
  // bands: [lower bound, colour, label], ascending (maps/coverage.py)
  const colour = (bands, value) => (value === null || value === undefined ? NO_VALUE
    : (bands.filter((b) => value >= b[0]).pop() || bands[0])[1]);
  function swatch(fill, label) {
    const box = element("i");
    box.style.background = fill; // through the DOM: the CSP allows it, style= markup not
    return element("div", {}, box, label);
  }
  function showLegend(measure, bands) {
    legend.replaceChildren(element("h3", { textContent: t(`coverage.${measure}`) }),
      ...bands.map(([, fill, label]) => swatch(fill, label)),
      swatch(NO_VALUE, noValue(measure)));
    legend.dataset.measure = measure;
    legend.hidden = false;
  }
  const tooltip = (measure) => (f, layer) => layer.bindTooltip(() => {
    const p = f.properties;
    const value = p[measure] === null && NO_VALUE_TEXT[measure] ? noValue(measure)
      : p[`${measure}_text`];
    const party = PARTY.includes(measure)
      ? [element("br"), `${t("coverage.party_members")} ${p.party_members} · ` +
         `${t("coverage.party_households")} ${p.party_households}`] : [];
    return element("span", {}, `${p.code} ${p.name || ""}`, element("br"),
      `${t(`coverage.${measure}`)}: ${value}`, ...party, element("br"),
      `${p.households} ${t("tooltip.households")} · ${t("coverage.fulltime")} ${p.fulltime}`,
      element("br"), `${t("coverage.failed")}: ${p.failed}`);
  });

  function offer() {
    const boxes = [];
    MEASURES.forEach((measure) => {
      let bands = null;
      const layer = L.geoJSON(null, {
        renderer: svg,
        style: (f) => ({ color: "#444", weight: 0.7, fillOpacity: 0.7, className: "coverage-cell",
                         fillColor: colour(bands, f.properties[measure]) }),
        onEachFeature: tooltip(measure),
      });
      const box = addSwitch(`coverage-${measure}`, t(`coverage.${measure}`), layer, {
        into: group,
        load: (hint) => {
          boxes.filter((other) => other !== box && other.checked).forEach((other) => {
            other.checked = false;
            other.dispatchEvent(new Event("change"));
          });
          hint.textContent = "";
          auditedCells().then((fc) => {
            bands = fc.bands[measure];
            if (!layer.getLayers().length) layer.addData(fc);
            if (map.hasLayer(layer)) showLegend(measure, bands);
          }).catch(() => { hint.textContent = t("coverage.load_failed"); });
        },
      });
      layer.on("remove", () => {
        // a tooltip open on a cell of this measure goes with it (it lingered beside the
        // next measure's, under the same pointer)
        layer.eachLayer((cell) => cell.closeTooltip());
        if (legend.dataset.measure === measure) legend.hidden = true;
      });
      boxes.push(box);
    });
    group.hidden = false;
  }

  may("audit:read").then((allowed) => { if (allowed) offer(); });
})();
