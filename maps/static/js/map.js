// The onegrid web map: towns and cells of the active generation from our own GeoJSON API.
// No basemap is fetched unless one is configured (offline government networks).
(function () {
  "use strict";
  // Log-in: when the service requires it (dev mode off), the first 401 shows a form that
  // uses the OAuth2 password flow. The tokens live in sessionStorage for this tab only.
  // An expired access token is renewed once with the refresh token; every refresh token
  // works once (the server signs a log-in out when one is reused), so concurrent 401s
  // share one renewal.
  const TOKEN_KEY = "onegrid.token";
  const REFRESH_KEY = "onegrid.refresh";
  let loginShown = false;
  let renewal = null;
  function keep(tokens) {
    sessionStorage.setItem(TOKEN_KEY, tokens.access_token);
    sessionStorage.setItem(REFRESH_KEY, tokens.refresh_token);
  }
  function forget() {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(REFRESH_KEY);
  }
  function renew() {
    const refresh = sessionStorage.getItem(REFRESH_KEY);
    if (!refresh) return Promise.resolve(false);
    if (!renewal) {
      renewal = fetch("/auth/refresh", {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ refresh_token: refresh }),
      }).then((r) => (r.ok ? r.json() : Promise.reject(r)))
        .then((t) => { keep(t); return true; })
        .catch(() => { forget(); return false; })
        .finally(() => { renewal = null; });
    }
    return renewal;
  }
  function api(url, options = {}, retried = false) {
    const token = sessionStorage.getItem(TOKEN_KEY);
    const headers = token ? { Authorization: `Bearer ${token}` } : {};
    return fetch(url, { ...options, headers }).then((r) => {
      if (r.status !== 401) return r;
      return (retried ? Promise.resolve(false) : renew()).then((renewed) => {
        if (renewed) return api(url, options, true);
        forget();
        showLogin();
        throw new Error("login required");
      });
    });
  }
  function showLogout() {
    if (!sessionStorage.getItem(REFRESH_KEY)) return;
    const button = document.createElement("button");
    button.id = "logout";
    button.textContent = "Log out";
    button.addEventListener("click", () => {
      fetch("/auth/logout", {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ refresh_token: sessionStorage.getItem(REFRESH_KEY) }),
      }).finally(() => { forget(); location.reload(); });
    });
    document.getElementById("panel").prepend(button);
  }
  function showLogin() {
    if (loginShown) return;
    loginShown = true;
    const form = document.createElement("form");
    form.id = "login";
    form.innerHTML = '<h3>Log in</h3><input name="username" placeholder="user" required> ' +
      '<input name="password" type="password" placeholder="password" required> ' +
      '<button>Log in</button><div class="error"></div>';
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      fetch("/auth/token", { method: "POST", body: new URLSearchParams(new FormData(form)) })
        .then((r) => (r.ok ? r.json() : Promise.reject(r)))
        .then((t) => { keep(t); location.reload(); })
        .catch(() => { form.querySelector(".error").textContent = "wrong user or password"; });
    });
    document.getElementById("panel").prepend(form);
  }
  showLogout();
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
    onEachFeature: (f, layer) => layer.bindTooltip(
      `${f.properties.code}<br>${f.properties.households} households`),
  }).addTo(map);

  const legend = document.getElementById("legend");
  legend.innerHTML = "<h3>Households per cell</h3>" + bands.map(
    (b, i) => `<div><i style="background:${b[1]}"></i>${b[0]}${bands[i + 1] ? "–" + (bands[i + 1][0] - 1) : "+"}</div>`).join("");

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
      const line = (label, v) => (v ? `<div><b>${label}</b> ${v.code} ${v.name || ""}</div>` : "");
      info.innerHTML = line("cell", res.cell) + line("village", res.village) +
        line("town", res.town) + line("district", res.district) ||
        "outside every cell";
    }).catch(() => {});
  });
})();
