// The dispatcher console: open cases on the map coloured by light (grouped when dense),
// the queue by urgency, the case panel (log, staff, the caller's allowed actions), kept
// live by the /incidents/stream Server-Sent Events. Everything here is an API call.
(function () {
  "use strict";
  const { element, json } = window.onegrid;
  const el = document.getElementById("console-map");
  const page = JSON.parse(el.dataset.page);
  const side = document.getElementById("side");
  const session = window.onegrid.session({ strings: page.strings, box: side });
  const { api, t } = session;

  const OPEN = ["reported", "registered", "dispatched", "handling", "feedback", "verified"];
  const RANK = { red: 0, yellow: 1, green: 2 };
  const COLOURS = { red: "#d62828", yellow: "#f2b705", green: "#2a9d8f", none: "#6c757d" };
  const GROUP_PX = 48; // cases closer than this on screen are drawn as one group…
  const GROUP_BELOW_ZOOM = 16; // …below this zoom; from it on, every case alone
  const lightOf = (p) => p.light || "none";

  // no fade: a redrawn group's old count must not linger beside the new one
  const map = L.map(el, { preferCanvas: true, fadeAnimation: false })
    .setView([29.85, 106.05], 10);
  L.control.scale({ imperial: false }).addTo(map);
  if (page.basemap_url) L.tileLayer(page.basemap_url, { maxZoom: 19 }).addTo(map);
  const markers = L.layerGroup().addTo(map);

  let cases = []; // GeoJSON features of the open cases in the caller's area
  let selected = null; // the case in the panel (its detail, with its version)
  let fitted = false;

  // --- the open cases: every page of GET /incidents (keyset `next_after`) -----------------
  function loadCases() {
    const found = [];
    const filter = OPEN.map((s) => `status=${s}`).join("&");
    const load = (after) => api(`/incidents?${filter}&limit=1000&after=${after}`).then(json)
      .then((fc) => {
        found.push(...fc.features);
        return fc.next_after ? load(fc.next_after) : found;
      });
    return load(0).then((features) => {
      cases = features;
      drawQueue();
      drawMap();
      if (!fitted && cases.length) {
        fitted = true;
        map.fitBounds(L.geoJSON({ type: "FeatureCollection", features: cases }).getBounds(),
                      { maxZoom: 16, padding: [30, 30] });
      }
    }).catch(() => {});
  }
  let reloading = null;
  function reloadSoon() { // a burst of events costs one re-read
    clearTimeout(reloading);
    reloading = setTimeout(loadCases, 100);
  }

  // --- the queue: red first, then yellow, green, not yet timed; then by time left ---------
  const time = (iso) => (iso ? Date.parse(iso) : Infinity);
  function urgency(a, b) {
    const pa = a.properties;
    const pb = b.properties;
    return ((RANK[pa.light] ?? 3) - (RANK[pb.light] ?? 3)) || (time(pa.due_at) - time(pb.due_at))
      || (time(pa.reported_at) - time(pb.reported_at)) || (pa.id - pb.id);
  }
  function timeLeft(dueAt) {
    if (!dueAt) return t("console.no_limit");
    const minutes = Math.round((Date.parse(dueAt) - Date.now()) / 60000);
    const span = Math.abs(minutes) >= 120 ? `${Math.round(Math.abs(minutes) / 60)} ${t("console.hours")}`
      : `${Math.abs(minutes)} ${t("console.minutes")}`;
    return minutes >= 0 ? `${t("console.left")} ${span}` : `${t("console.overdue")} ${span}`;
  }
  const categoryName = (p) => (page.lang === "en" ? p.category_en : p.category_zh) || p.category_code;
  const queue = document.getElementById("queue");
  const counter = document.getElementById("queue-count");
  function drawQueue() {
    const sorted = [...cases].sort(urgency);
    counter.textContent = `${sorted.length} ${t("console.open_cases")}`;
    queue.replaceChildren(...sorted.map((f) => {
      const p = f.properties;
      const light = lightOf(p);
      const button = element("button", { type: "button", className: `case light-${light}` },
        element("span", { className: "dot", title: t(`light.${light}`) }),
        element("b", { textContent: p.code }), " ", categoryName(p), element("br"),
        element("span", { className: "status", textContent: t(`status.${p.status}`) }), " · ",
        element("span", { className: "light-name", textContent: t(`light.${light}`) }), " · ",
        timeLeft(p.due_at));
      Object.assign(button.dataset, { id: String(p.id), light });
      if (selected && selected.id === p.id) button.setAttribute("aria-current", "true");
      button.addEventListener("click", () => choose(p.id));
      return element("li", {}, button);
    }));
  }

  // --- the map: one marker per case, or one per group of cases close on screen ------------
  function drawMap() {
    markers.clearLayers();
    const zoom = map.getZoom();
    el.dataset.zoom = String(zoom); // what is drawn, for tests and styles
    const groups = new Map();
    cases.forEach((f) => {
      const [lon, lat] = f.geometry.coordinates;
      const point = map.project([lat, lon], zoom).divideBy(GROUP_PX).floor();
      const key = zoom >= GROUP_BELOW_ZOOM ? `case-${f.properties.id}` : `${point.x}:${point.y}`;
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push(f);
    });
    groups.forEach((members) => {
      const worst = [...members].sort(urgency)[0];
      const colour = COLOURS[lightOf(worst.properties)];
      if (members.length === 1) {
        const [lon, lat] = worst.geometry.coordinates;
        L.circleMarker([lat, lon], { radius: 8, color: "#222", weight: 1, fillColor: colour,
                                     fillOpacity: 0.9 })
          .bindTooltip(() => element("span", {}, worst.properties.code, " ",
            categoryName(worst.properties)))
          .on("click", () => choose(worst.properties.id)).addTo(markers);
        return;
      }
      const centre = L.latLngBounds(members.map((f) => [f.geometry.coordinates[1],
                                                        f.geometry.coordinates[0]])).getCenter();
      L.circleMarker(centre, { radius: 12 + Math.min(12, Math.log2(members.length) * 3),
                               color: "#222", weight: 2, fillColor: colour, fillOpacity: 0.8 })
        .bindTooltip(element("span", { textContent: String(members.length) }),
                     { permanent: true, direction: "center", className: "group-count" })
        .on("click", () => map.setView(centre, Math.min(zoom + 2, GROUP_BELOW_ZOOM)))
        .addTo(markers);
    });
  }
  map.on("zoomend", drawMap);

  // --- the case panel ---------------------------------------------------------------------
  const panel = document.getElementById("case");
  const message = document.getElementById("case-message");
  const when = (iso) => (iso ? new Date(iso).toLocaleString(page.lang) : "—");
  function choose(id) {
    message.textContent = "";
    message.className = "";
    return select(id);
  }
  function select(id) {
    return api(`/incidents/${id}`).then(json).then((detail) => {
      selected = detail;
      drawPanel(detail);
      drawQueue();
    }).catch(() => { message.textContent = t("console.load_failed"); });
  }
  function fact(key, value) {
    return [element("dt", { textContent: t(key) }), element("dd", { textContent: value ?? "—" })];
  }
  function staffList(title, people, extra) {
    const items = people.length ? people.map((s) => element("li", {}, s.name || `#${s.staff_id}`,
      " ", extra(s))) : [element("li", { className: "empty", textContent: t("console.none") })];
    return [element("h4", { textContent: t(title) }), element("ul", { className: "staff" }, ...items)];
  }
  function drawPanel(d) {
    const light = d.light || "none";
    const category = page.lang === "en" ? d.category.name_en : d.category.name_zh;
    const log = d.transitions.map((s) => element("li", {},
      element("time", { textContent: when(s.at) }), " ",
      element("b", { textContent: t(`action.${s.action}`) }),
      ` ${s.from ? t(`status.${s.from}`) + " → " : ""}${t(`status.${s.to}`)} · ${s.actor}`,
      s.note ? element("div", { className: "note", textContent: s.note }) : ""));
    const onDuty = d.staff_on_duty ? d.staff_on_duty.staff : [];
    const nearest = d.nearest_staff ? d.nearest_staff.staff : [];
    panel.replaceChildren(
      element("h2", {}, element("span", { className: `dot light-${light}` }), d.code),
      element("p", { className: "title", textContent: d.title || "" }),
      element("dl", {}, ...fact("console.status", t(`status.${d.status}`)),
        ...fact("console.light", t(`light.${light}`)),
        ...fact("console.level", t(`level.${d.level}`)), ...fact("console.category", category),
        ...fact("console.department", d.department), ...fact("console.cell", d.cell_code),
        ...fact("console.reported", when(d.reported_at)), ...fact("console.due", when(d.due_at)),
        ...fact("console.address", d.address)),
      actionsForm(d, onDuty, nearest),
      ...staffList("console.on_duty", onDuty, (s) => element("span", { className: "hint",
        textContent: s.role_code || "" })),
      ...staffList("console.nearest", nearest, (s) => element("span", { className: "hint",
        textContent: `${Math.round(s.distance_m)} m · ${t(`console.distance_${d.nearest_staff.distance_kind}`)}` })),
      element("h4", { textContent: t("console.log") }), element("ol", { id: "case-log" }, ...log));
    if (d.location) map.panTo([d.location.lat, d.location.lon]);
  }

  // The caller's allowed actions (the API says which), each a button; a reason when needed.
  function actionsForm(d, onDuty, nearest) {
    const box = element("div", { id: "actions" });
    if (!d.allowed_actions.length) {
      box.append(element("p", { className: "hint", textContent: t("console.no_actions") }));
      return box;
    }
    const note = element("textarea", { id: "action-note", rows: 2, maxLength: 2000,
                                       placeholder: t("console.note") });
    const assignee = element("select", { id: "action-assignee" },
      element("option", { value: "", textContent: t("console.assignee_none") }),
      ...[...onDuty, ...nearest].filter((s, i, all) =>
        all.findIndex((o) => o.staff_id === s.staff_id) === i)
        .map((s) => element("option", { value: String(s.staff_id), textContent: s.name || "" })));
    const into = element("input", { id: "action-into", type: "number", min: 1,
                                    placeholder: t("console.merge_into") });
    const score = element("select", { id: "action-evaluation" },
      ...[5, 4, 3, 2, 1].map((n) => element("option", { value: String(n), textContent: `${n}` })));
    const buttons = d.allowed_actions.map((name) => {
      const button = element("button", { type: "button", textContent: t(`action.${name}`) });
      button.dataset.action = name;
      button.addEventListener("click", () => act(d, name, {
        note: note.value.trim() || null,
        assignee_id: name === "dispatch" && assignee.value ? Number(assignee.value) : null,
        into_id: name === "merge" && into.value ? Number(into.value) : null,
        evaluation: name === "evaluate" ? Number(score.value) : null,
      }));
      return button;
    });
    const has = (name) => d.allowed_actions.includes(name);
    box.append(element("h4", { textContent: t("console.actions") }),
      element("div", { className: "buttons" }, ...buttons), note,
      has("dispatch") ? element("label", {}, t("console.assignee"), " ", assignee) : "",
      has("merge") ? element("label", {}, t("console.merge_into"), " ", into) : "",
      has("evaluate") ? element("label", {}, t("console.evaluation"), " ", score) : "");
    return box;
  }

  // POST the transition with If-Match: the version the panel shows. A 409 says, in words,
  // that someone moved the case first, and the panel shows the case as it is now.
  function act(d, action, details) {
    message.textContent = "";
    message.className = "";
    return api(`/incidents/${d.id}/transitions`, {
      method: "POST", headers: { "Content-Type": "application/json", "If-Match": `"${d.version}"` },
      body: JSON.stringify({ action, ...details }),
    }).then((r) => {
      if (r.ok) {
        message.textContent = `${t(`action.${action}`)} · ${t("console.done")}`;
        return select(d.id);
      }
      return r.json().catch(() => ({})).then((body) => {
        const words = r.status === 409 ? t("console.conflict") : t("console.refused");
        message.className = "error";
        message.textContent = `${words} ${body.message || ""}`.trim();
        return r.status === 409 ? select(d.id) : null;
      });
    }).catch(() => {});
  }

  // --- live: the stream, read with fetch so the token goes in a header, never in a URL ----
  // (EventSource cannot send an Authorization header.) NOTIFY is not durable: after every
  // (re)connection the open cases are read again.
  const live = document.getElementById("live");
  function setLive(state) {
    live.dataset.state = state;
    live.textContent = t(`console.live.${state}`);
  }
  function handle(block) {
    let event = "message";
    let data = "";
    block.split("\n").forEach((line) => {
      if (line.startsWith("event:")) event = line.slice(6).trim();
      else if (line.startsWith("data:")) data += line.slice(5).trim();
    });
    if (event !== "incident" || !data) return;
    const change = JSON.parse(data);
    reloadSoon();
    if (selected && selected.id === change.id) select(change.id); // moved, or its light
  }
  async function listen() {
    for (;;) {
      setLive("connecting");
      try {
        const response = await api("/incidents/stream", { headers: { Accept: "text/event-stream" } });
        if (!response.ok) throw new Error(String(response.status));
        setLive("live");
        reloadSoon(); // what committed before the subscription
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value.replace(/\r\n/g, "\n");
          let end = buffer.indexOf("\n\n");
          while (end >= 0) {
            handle(buffer.slice(0, end));
            buffer = buffer.slice(end + 2);
            end = buffer.indexOf("\n\n");
          }
        }
      } catch (error) {
        if (String(error && error.message) === "login required") { setLive("offline"); return; }
      }
      setLive("offline");
      await new Promise((resolve) => { setTimeout(resolve, 3000); });
    }
  }

  loadCases();
  // /console?case=ID (the web map's incident popups link here): that case in the panel
  const asked = new URLSearchParams(window.location.search).get("case");
  if (asked && /^[0-9]+$/.test(asked)) choose(Number(asked));
  listen();
  setInterval(drawQueue, 60000); // time left moves on
})();
