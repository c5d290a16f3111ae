// The staffing dashboard: figures, rules, region tree, worst cells, trend, coverage map and
// exports, all from /audit/staffing (JSON) with the page's log-in. Every value from data is
// put in as text (textContent / createTextNode); nothing goes through innerHTML.
(function () {
  "use strict";
  const root = document.getElementById("dashboard");
  const t = JSON.parse(root.dataset.strings);
  const lang = root.dataset.lang;

  // Log-in as on the web map: the access token lives in this variable only; a reload asks
  // /auth/session/refresh (HttpOnly cookie) for a new one; a 401 shows a log-in form.
  let accessToken = null;
  let renewal = null;
  function renew() {
    if (!renewal) {
      renewal = fetch("/auth/session/refresh", { method: "POST", credentials: "same-origin" })
        .then((r) => (r.ok ? r.json() : Promise.reject(r)))
        .then((tok) => { accessToken = tok.access_token; return true; })
        .catch(() => { accessToken = null; return false; })
        .finally(() => { renewal = null; });
    }
    return renewal;
  }
  function api(url, retried = false) {
    const headers = accessToken ? { Authorization: `Bearer ${accessToken}` } : {};
    return fetch(url, { headers }).then((r) => {
      if (r.status !== 401) return r;
      return (retried ? Promise.resolve(false) : renew()).then((renewed) => {
        if (renewed) return api(url, true);
        showLogin();
        throw new Error("login required");
      });
    });
  }
  function element(tag, props = {}, ...children) {
    const node = Object.assign(document.createElement(tag), props);
    node.append(...children.map((c) => (c instanceof Node ? c : String(c))));
    return node;
  }
  function showLogin() {
    const slot = document.getElementById("login-slot");
    if (slot.firstChild) return;
    const error = element("div", { className: "fail" });
    const form = element("form", { id: "login" }, element("b", { textContent: t.login }), " ",
      element("input", { name: "username", placeholder: "user", required: true }), " ",
      element("input", { name: "password", type: "password", required: true }), " ",
      element("button", { textContent: t.login }), error);
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      fetch("/auth/session", { method: "POST", credentials: "same-origin",
                               body: new URLSearchParams(new FormData(form)) })
        .then((r) => (r.ok ? location.reload() : Promise.reject(r)))
        .catch(() => { error.textContent = "✗"; });
    });
    slot.append(form);
  }
  const fmt = (v) => (v === null || v === undefined ? "—" : String(v));
  const num = (v) => element("td", { className: "n", textContent: fmt(v) });

  function figures(totals) {
    const keys = ["cells", "households", "grid_heads", "fulltime_workers",
                  "households_per_fulltime", "vacancies", "cells_failing"];
    document.getElementById("figures").replaceChildren(...keys.map((k) =>
      element("div", { className: "figure" }, t[k], element("b", {
        textContent: fmt(totals[k]) }))));
  }
  function rules(result) {
    const rows = result.rules.map((r) => element("tr", {},
      element("td", { textContent: lang === "zh" ? r.name_zh : r.name_en }),
      element("td", { className: r.status, textContent: t[r.status] }),
      num(r.checked), num(r.failed)));
    document.getElementById("rules").replaceChildren(element("tr", {},
      element("th", { textContent: t.rule }), element("th", { textContent: t.status }),
      element("th", { textContent: t.checked }), element("th", { textContent: t.failed })),
    ...rows);
  }
  const percent = (v) => (v === null || v === undefined ? "—"
    : `${(100 * Number(v)).toFixed(1)}%`);
  const WORKLOAD = ["open_cases", "overdue_cases", "received_cases", "closed_cases",
                    "closure_rate", "median_hours_to_close"];
  const shown = (key, v) => (key === "closure_rate" ? percent(v) : fmt(v));
  function workload(w) {
    // Figures of the whole area, then the workers with cases, most overdue first.
    document.getElementById("workload").replaceChildren(...WORKLOAD.map((k) =>
      element("div", { className: "figure" }, t[k], element("b", {
        textContent: shown(k, w.totals[k]) }))));
    document.getElementById("workload-window").textContent =
      t.workload_window.replace("{days}", String(w.window_days));
    const top = w.workers.slice(0, 20);
    document.getElementById("workload-workers").replaceChildren(element("tr", {},
      ...[t.name, ...WORKLOAD.map((k) => t[k])].map((h) => element("th", { textContent: h }))),
    ...top.map((x) => element("tr", { className: "workload-worker" },
      element("td", { textContent: `${x.name || x.staff_id} (${x.cells.join(", ")})` }),
      ...WORKLOAD.map((k) => element("td", { className: "n", textContent: shown(k, x[k]) })))));
  }
  function tree(regions) {
    // District > town > village, each a <details> whose summary carries its figures.
    const byCode = new Map();
    const holder = document.getElementById("tree");
    holder.replaceChildren();
    const parentOf = { town: [6, "district"], village: [9, "town"] };
    for (const r of regions) {
      const label = `${r.code} · ${t.cells} ${r.cells} · ${t.households} ${r.households} · ` +
        `${t.vacancies} ${r.vacancies} · ${t.cells_failing} ${r.cells_failing} · ` +
        `${t.open_cases} ${r.open_cases} · ${t.overdue_cases} ${r.overdue_cases}`;
      const node = element("details", { className: `region ${r.level}` },
        element("summary", { textContent: label }));
      node.dataset.code = r.code;
      node.open = r.level === "district";
      byCode.set(`${r.level}:${r.code}`, node);
      const up = parentOf[r.level];
      const parent = up && byCode.get(`${up[1]}:${r.code.slice(0, up[0]).padEnd(12, "0")}`);
      (parent || holder).append(node);
    }
  }
  function worst(cells) {
    const top = [...cells].sort((a, b) => b.rules_failed - a.rules_failed ||
      b.vacancies - a.vacancies || a.code.localeCompare(b.code)).slice(0, 20);
    document.getElementById("worst").replaceChildren(element("tr", {},
      ...["", t.households, t.fulltime_workers, t.vacancies, t.rules_failed, t.open_cases,
          t.overdue_cases].map((h) => element("th", { textContent: h }))),
    ...top.map((c) => element("tr", { className: "worst-cell" },
      element("td", { textContent: `${c.code} ${c.name || ""}` }), num(c.households),
      num(c.fulltime_workers), num(c.vacancies), num(c.rules_failed), num(c.open_cases),
      num(c.overdue_cases))));
  }
  function trend(months) {
    // Bars: vacancies (red) and cells with a grid head (blue) per month, as SVG.
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    const high = Math.max(1, ...months.map((m) => Math.max(m.vacancies, m.cells_with_grid_head)));
    svg.setAttribute("viewBox", `0 0 ${months.length * 30} 120`);
    months.forEach((m, i) => {
      [["vacancies", m.vacancies, 4], ["heads", m.cells_with_grid_head, 16]].forEach(([cls, v, x]) => {
        const bar = document.createElementNS(ns, "rect");
        const h = (100 * v) / high;
        bar.setAttribute("class", cls);
        bar.setAttribute("x", i * 30 + x);
        bar.setAttribute("y", 100 - h);
        bar.setAttribute("width", 10);
        bar.setAttribute("height", h);
        const title = document.createElementNS(ns, "title");
        title.textContent = `${m.month}: ${cls === "heads" ? t.grid_heads : t.vacancies} ${v}`;
        bar.append(title);
        svg.append(bar);
      });
      const label = document.createElementNS(ns, "text");
      label.setAttribute("x", i * 30 + 2);
      label.setAttribute("y", 115);
      label.setAttribute("font-size", 8);
      label.textContent = m.month.slice(2);
      svg.append(label);
    });
    const key = (cls, label) => {
      const swatch = element("i", { className: cls });
      return element("span", {}, swatch, label);
    };
    document.getElementById("trend").replaceChildren(svg, element("div", { className: "key" },
      key("vacancies", t.vacancies), " ", key("heads", t.grid_heads)));
  }
  function exports() {
    // Links that work as they are in development mode; with a log-in, a click fetches the
    // file with the token and saves it (a plain link cannot carry the Authorization header).
    const items = [["CSV", "format=csv"], ["CSV (regions)", "format=csv&table=regions"],
      [`CSV (${t.workload_workers})`, "format=csv&table=workload"],
      ["XLSX", "format=xlsx"], ["HTML (A4)", "format=html"], [t.coverage_map, "map"]];
    document.getElementById("exports").replaceChildren(...items.map(([label, q]) => {
      const href = q === "map" ? `/audit/staffing/map?lang=${lang}`
        : `/audit/staffing?${q}&lang=${lang}`;
      const link = element("a", { href, textContent: label });
      link.addEventListener("click", (e) => {
        if (!accessToken) return;
        e.preventDefault();
        api(href).then((r) => r.blob()).then((blob) => {
          const save = element("a", { href: URL.createObjectURL(blob),
            download: q === "map" ? "coverage.html" : `staffing-audit.${q.slice(7, 11)}` });
          save.click();
          URL.revokeObjectURL(save.href);
        });
      });
      return element("li", {}, link);
    }));
  }
  function coverage(fc) {
    const el = document.getElementById("coverage");
    const map = L.map(el, { preferCanvas: false });
    if (root.dataset.basemap) L.tileLayer(root.dataset.basemap, { maxZoom: 19 }).addTo(map);
    const select = document.getElementById("measure");
    const measures = Object.keys(fc.bands);
    select.replaceChildren(...measures.map((m) => element("option", { value: m,
      textContent: t[m] })));
    const NO_VALUE = "#bdbdbd";
    // what a grey cell lacks (a ratio without its divisor); other measures always have a value
    const NO_VALUE_TEXT = { households_per_fulltime: "no_fulltime",
                            special_per_helper: "no_helper",
                            households_per_party_member: "no_party_member",
                            party_households_share: "no_party_member_or_households" };
    const PARTY = ["households_per_party_member", "party_households_share"];
    const colour = (m, v) => (v === null ? NO_VALUE
      : fc.bands[m].filter((b) => v >= b[0]).pop()[1]);
    let measure = measures[0];
    const tip = (p) => {
      const value = p[measure] === null && NO_VALUE_TEXT[measure]
        ? t[NO_VALUE_TEXT[measure]] : p[`${measure}_text`];
      const party = PARTY.includes(measure)
        ? [element("br"), `${t.party_members} ${p.party_members} · ` +
           `${t.party_households} ${p.party_households}`] : [];
      return element("span", {}, `${p.code} ${p.name}`, element("br"),
        `${t[measure]}: ${value}`, ...party);
    };
    const layer = L.geoJSON(fc, {
      style: (f) => ({ color: "#444", weight: 0.7, fillOpacity: 0.7,
                       fillColor: colour(measure, f.properties[measure]) }),
      onEachFeature: (f, l) => l.bindTooltip(() => tip(f.properties)),
    }).addTo(map);
    if (fc.features.length) map.fitBounds(layer.getBounds());
    else map.setView([29.85, 106.05], 10);
    const legend = () => {
      const rows = [...fc.bands[measure]];
      if (NO_VALUE_TEXT[measure]) rows.push([null, NO_VALUE, t[NO_VALUE_TEXT[measure]]]);
      document.getElementById("coverage-legend").replaceChildren(
        ...rows.map(([, c, label]) => {
          const swatch = element("i");
          swatch.style.background = c;
          return element("span", {}, swatch, label);
        }));
      document.getElementById("coverage-legend").dataset.measure = measure;
    };
    select.addEventListener("change", () => {
      measure = select.value;
      layer.setStyle((f) => ({ fillColor: colour(measure, f.properties[measure]) }));
      legend();
    });
    legend();
    el.dataset.drawn = String(fc.features.length);
  }

  const region = new URLSearchParams(location.search).get("region");
  const query = region ? `?region=${encodeURIComponent(region)}` : "";
  api(`/audit/staffing${query}`).then((r) => r.json()).then((result) => {
    document.getElementById("as-of").textContent = `${t.as_of}: ${result.as_of}`;
    figures(result.totals);
    rules(result);
    workload(result.workload);
    tree(result.regions);
    worst(result.cells);
    trend(result.trends);
    exports();
    root.dataset.loaded = "true";
  }).catch((e) => console.error("audit:", e));
  api(`/audit/staffing/cells${query}`).then((r) => r.json()).then(coverage)
    .catch((e) => console.error("coverage:", e));
})();
