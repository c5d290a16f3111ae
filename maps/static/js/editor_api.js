// The editor's calls to the API: which edit endpoints this server has (its OpenAPI), writes
// with If-Match, and what a refusal says, in words a planner can act on.
(function () {
  "use strict";
  const E = window.onegridEditor;
  const { t } = E;

  // What the server offers, read from its own OpenAPI description: a button whose endpoint
  // is missing stays disabled (with a tooltip) instead of pretending.
  const ENDPOINTS = {
    preview: ["post", "/generations/{generation_id}/preview"],
    paint: ["post", "/generations/{generation_id}/paint"],
    history: ["get", "/generations/{generation_id}/history"],
    undo: ["post", "/generations/{generation_id}/undo"],
    redo: ["post", "/generations/{generation_id}/redo"],
    renumber: ["post", "/generations/{generation_id}/renumber"],
  };
  E.can = {};
  E.loadCapabilities = () => E.session.api("/openapi.json").then(window.onegrid.json)
    .then((spec) => {
      Object.entries(ENDPOINTS).forEach(([name, [method, path]]) => {
        E.can[name] = Boolean(spec.paths[path] && spec.paths[path][method]);
      });
      const put = (spec.paths["/generations/{generation_id}/cells/{code}"] || {}).put;
      E.can.follow = Boolean(put && (put.parameters || []).some((p) => p.name === "follow"));
    })
    .catch(() => {});

  // A write: JSON body, If-Match when a version is known; resolves to {ok, status, body}.
  E.send = (method, url, body, version) => {
    const headers = { "Content-Type": "application/json" };
    if (version !== undefined && version !== null) headers["If-Match"] = `"${version}"`;
    return E.session.api(url, { method, headers, body: body ? JSON.stringify(body) : undefined })
      .then((r) => r.json().catch(() => ({})).then((answer) => ({
        ok: r.ok, status: r.status, body: answer })));
  };
  const get = (url) => E.session.api(url).then(window.onegrid.json);
  E.get = get;

  // A refusal in words: the server's message (api/errors.py) and, for FastAPI's own
  // validation errors, where each problem is.
  E.refusal = (answer) => {
    const body = answer.body || {};
    if (typeof body.message === "string") return body.message;
    if (Array.isArray(body.detail)) {
      return body.detail.map((d) => `${(d.loc || []).join(".")}: ${d.msg}`).join("; ");
    }
    if (typeof body.detail === "string") return body.detail;
    return `HTTP ${answer.status}`;
  };

  // A cell as the server has it now: its stored outline and version (the ETag to send).
  E.readCell = (code) => get(`/cells/${code}?generation=${E.state.generation.id}`)
    .then((feature) => {
      E.state.versions.set(code, feature.properties.version);
      return feature;
    });

  E.readGeneration = (id) => get(`/generations/${id}`).then((generation) => {
    E.state.generation = generation;
    if (E.onGeneration) E.onGeneration(generation);
    return generation;
  });

  // The message line at the top of the panel.
  const message = document.getElementById("message");
  E.say = (text, kind = "info") => {
    message.className = kind;
    message.replaceChildren(...(Array.isArray(text) ? text : [text]));
  };
  E.unavailable = (button) => {
    button.disabled = true;
    button.title = t("editor.not_yet");
  };
})();
