// What the pages share: building elements as text, and the log-in at /auth/session with
// the access token kept in memory. Loaded before a page's own script (window.onegrid).
(function () {
  "use strict";

  // Pages put data in as text: every element is built here, nothing goes through innerHTML.
  function element(tag, props = {}, ...children) {
    const node = Object.assign(document.createElement(tag), props);
    node.append(...children);
    return node;
  }
  const json = (r) => (r.ok ? r.json() : Promise.reject(r));

  // Log-in: when the service requires it (dev mode off), the first 401 shows a form that
  // logs in at /auth/session. The refresh token lives in an HttpOnly cookie scoped to
  // /auth/session that no script can read; the access token only in this closure, so a
  // script injected into the page cannot carry either away. A reload (or an expired access
  // token) asks /auth/session/refresh for a new one; the refresh token rotates on every use
  // (a reused one signs the log-in out), so concurrent 401s share one renewal.
  // `strings`: the page's catalogue; `box`: where the log-in and log-out controls go;
  // `busy`: wraps every request (a loading indicator); `onLogin`: runs when the form shows.
  function session({ strings, box, busy = (promise) => promise, onLogin = () => {} }) {
    const t = (key) => strings[key] || key;
    let accessToken = null;
    let loginShown = false;
    let renewal = null;
    function renew() {
      if (!renewal) {
        renewal = fetch("/auth/session/refresh", { method: "POST", credentials: "same-origin" })
          .then(json)
          .then((tok) => { accessToken = tok.access_token; showLogout(); return true; })
          .catch(() => { accessToken = null; return false; })
          .finally(() => { renewal = null; });
      }
      return renewal;
    }
    function api(url, options = {}, retried = false) {
      const headers = { ...(options.headers || {}) };
      if (accessToken) headers.Authorization = `Bearer ${accessToken}`;
      return busy(fetch(url, { ...options, headers })).then((r) => {
        if (r.status !== 401) return r;
        return (retried ? Promise.resolve(false) : renew()).then((renewed) => {
          if (renewed) return api(url, options, true);
          showLogin();
          throw new Error("login required");
        });
      });
    }
    function showLogout() {
      if (document.getElementById("logout")) return;
      const button = element("button", { id: "logout", type: "button", textContent: t("logout") });
      button.addEventListener("click", () => {
        fetch("/auth/session/logout", { method: "POST", credentials: "same-origin" })
          .finally(() => { accessToken = null; location.reload(); });
      });
      box.prepend(button);
    }
    function showLogin() {
      if (loginShown) return;
      loginShown = true;
      const error = element("div", { className: "error" });
      const form = element("form", { id: "login" },
        element("h3", { textContent: t("login.title") }),
        element("input", { name: "username", placeholder: t("login.user"), required: true }), " ",
        element("input", { name: "password", type: "password", placeholder: t("login.password"),
                           required: true }), " ",
        element("button", { textContent: t("login.button") }), error);
      form.addEventListener("submit", (e) => {
        e.preventDefault();
        fetch("/auth/session", { method: "POST", credentials: "same-origin",
                                 body: new URLSearchParams(new FormData(form)) })
          .then(json)
          .then(() => { location.reload(); })
          .catch(() => { error.textContent = t("login.wrong"); });
      });
      box.prepend(form);
      onLogin();
    }
    return { api, renew, t, showLogin };
  }

  window.onegrid = { element, json, session };
})();
