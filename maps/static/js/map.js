// The onegrid web map: towns and cells of the active generation from our own GeoJSON API.
// No basemap is fetched unless one is configured (offline government networks).
(function () {
  "use strict";
  // Log-in: when the service requires it (dev mode off), the first 401 shows a form that
  // logs in at /auth/session. The refresh token lives in an HttpOnly cookie scoped to
  // /auth/session that no script can read; the access token only in this variable, so a
  // script injected into the page cannot carry either away. A reload (or an expired access
  // token) asks /auth/session/refresh for a new one; the refresh token rotates on every use
  // (a reused one signs the log-in out), so concurrent 401s share one renewal.
  let accessToken = null;
  let loginShown = false;
  let renewal = null;
  function renew() {
    if (!renewal) {
      renewal = fetch("/auth/session/refresh", { method: "POST", credentials: "same-origin" })
        .then((r) => (r.ok ? r.json() : Promise.reject(r)))
        .then((t) => { accessToken = t.access_token; showLogout(); return true; })
        .catch(() => { accessToken = null; return false; })
        .finally(() => { renewal = null; });
    }
    return renewal;
  }
  function api(url, options = {}, retried = false) {
    const headers = accessToken ? { Authorization: `Bearer ${accessToken}` } : {};
    return fetch(url, { ...options, headers }).then((r) => {
      if (r.status !== 401) return r;
      return (retried ? Promise.resolve(false) : renew()).then((renewed) => {
        if (renewed) return api(url, options, true);
        showLogin();
        throw new Error("login required");
      });
    });
  }
  // Pages put data in as text: every element is built here, nothing goes through innerHTML.
  function element(tag, props = {}, ...children) {
    const node = Object.assign(document.createElement(tag), props);
    node.append(...children);
    return node;
  }
  function showLogout() {
    if (document.getElementById("logout")) return;
    const button = element("button", { id: "logout", textContent: "Log out" });
    button.addEventListener("click", () => {
      fetch("/auth/session/logout", { method: "POST", credentials: "same-origin" })
        .finally(() => { accessToken = null; location.reload(); });
    });
    document.getElementById("panel").prepend(button);
  }
  function showLogin() {
    if (loginShown) return;
    loginShown = true;
    const error = element("div", { className: "error" });
    const form = element("form", { id: "login" }, element("h3", { textContent: "Log in" }),
      element("input", { name: "username", placeholder: "user", required: true }), " ",
      element("input", { name: "password", type: "password", placeholder: "password",
                         required: true }), " ",
      element("button", { textContent: "Log in" }), error);
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      fetch("/auth/session", { method: "POST", credentials: "same-origin",
                               body: new URLSearchParams(new FormData(form)) })
        .then((r) => (r.ok ? r.json() : Promise.reject(r)))
        .then(() => { location.reload(); })
        .catch(() => { error.textContent = "wrong user or password"; });
    });
    document.getElementById("panel").prepend(form);
  }
  const el = document.getElementById("map");
  const map = L.map(el, { preferCanvas: true }).setView([29.85, 106.05], 10);
  if (el.dataset.basemap) {
    L.tileLayer(el.dataset.basemap, { maxZoom: 19 }).addTo(map);
  }
  const bands = [[0, "#f1faee"], [150, "#a8dadc"], [300, "#457b9d"], [500, "#e63946"]];
  const colour = (n) => bands.filter((b) => n >= b[0]).pop()[1];
  const towns = L.geoJSON(null, { style: { color: "#1d3557", weight: 2, fill: false } }).addTo(map);
  const cells = L.geoJSON(null, {
    style: (f) => ({ color: "#555", weight: 0.6, fillColor: colour(f.properties.households),
                     fillOpacity: 0.6 }),
    onEachFeature: (f, layer) => layer.bindTooltip(() => element("span", {},
      String(f.properties.code), element("br"), `${f.properties.households} households`)),
  }).addTo(map);

  const legend = document.getElementById("legend");
  legend.append(element("h3", { textContent: "Households per cell" }), ...bands.map((b, i) => {
    const swatch = element("i");
    swatch.style.background = b[1];
    const upto = bands[i + 1] ? "–" + (bands[i + 1][0] - 1) : "+";
    return element("div", {}, swatch, `${b[0]}${upto}`);
  }));

  api("/regions?level=town&zoom=10").then((r) => r.json()).then((fc) => {
    towns.addData(fc);
    if (fc.features.length) map.fitBounds(towns.getBounds());
  });

  let pending = null;
  function loadCells() {
    const b = map.getBounds();
    const bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((v) => v.toFixed(5));
    if (pending) pending.abort();
    pending = new AbortController();
    api(`/cells?bbox=${bbox.join(",")}&zoom=${map.getZoom()}&limit=5000`, { signal: pending.signal })
      .then((r) => r.json()).then((fc) => { cells.clearLayers(); cells.addData(fc); })
      .catch(() => {});
  }
  map.on("moveend", loadCells);
  loadCells();

  const info = document.getElementById("info");
  map.on("click", (e) => {
    api(`/locate?lon=${e.latlng.lng}&lat=${e.latlng.lat}`).then((r) => r.json()).then((res) => {
      const line = (label, v) => (v ? [element("div", {}, element("b", { textContent: label }),
        ` ${v.code} ${v.name || ""}`)] : []);
      const lines = [...line("cell", res.cell), ...line("village", res.village),
                     ...line("town", res.town), ...line("district", res.district)];
      info.replaceChildren(...(lines.length ? lines : ["outside every cell"]));
    }).catch(() => {});
  });
})();
