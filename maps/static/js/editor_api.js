// The editor's calls to the API: writes with If-Match, and what a refusal says, in words a
// planner can act on.
(function () {
  "use strict";
  const E = window.onegridEditor;
  const { t } = E;

  // What the server can do: the editor is served by the service whose API it calls, so
  // every endpoint it uses is there (it used to read /openapi.json, 135 KB, before drawing
  // anything: a round trip and a parse in front of the first cells).
  E.can = { preview: true, paint: true, history: true, undo: true, redo: true,
            renumber: true, follow: true };
  E.loadCapabilities = () => Promise.resolve();

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

  // A refusal in words. English pages show the server's own message (api/errors.py). On a
  // Chinese page the error's stable code (`error`, the domain exception's name) and its
  // details pick a sentence of the catalogue (maps/i18n.py, refusal.*), the versions, codes
  // and names filled in as text; a code the catalogue does not know keeps the server's
  // message. FastAPI's own validation errors say where each problem is.
  const text = (value) => (Array.isArray(value) ? value.map(String).join("、") : String(value));
  const fill = (key, values) => t(key).replace(/\{(\w+)\}/g, (_, name) =>
    (values[name] === undefined || values[name] === null ? "" : text(values[name])));
  // The sentence for a refusal's reason code (details.reason), when the catalogue has one.
  const known = (key) => Object.prototype.hasOwnProperty.call(E.page.strings, key);
  const whereOf = (body) => (body.where ? fill("refusal.where", { where: body.where }) : "");
  const reasoned = (d, body, fallback) => {
    const key = `refusal.reason.${d.reason}`;
    return typeof d.reason === "string" && known(key) ? fill(key, d)
      : fill(fallback, { ...body, where: whereOf(body) });
  };
  const when = (iso) => {
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? String(iso)
      : date.toLocaleString("zh-CN", { hour12: false });
  };
  // "（改绘，修改人 alice，时间 2026/12/2 11:00:00）": what the details know of the last edit
  const editedBy = (d) => {
    const action = `refusal.action.${d.action}`;
    const parts = [d.action ? (known(action) ? t(action) : text(d.action)) : "",
                   d.edited_by ? fill("refusal.edited_by", { who: d.edited_by }) : "",
                   d.edited_at ? fill("refusal.edited_at", { when: when(d.edited_at) }) : ""];
    const said = parts.filter(Boolean);
    return said.length ? fill("refusal.by", { what: said.join(t("refusal.and")) }) : "";
  };
  const SENTENCES = {
    StaleEdit: (d) => {
      const versions = { current: d.current_version, yours: d.your_version, by: editedBy(d) };
      if (d.code && d.current_version !== undefined) {
        return fill("refusal.stale.cell", { code: d.code, ...versions });
      }
      if (d.code && d.seq !== undefined) return fill("refusal.stale.history", d);
      if (d.current_version !== undefined) {
        return fill("refusal.stale.generation", { generation: d.generation, ...versions });
      }
      return t("refusal.stale");
    },
    PermissionDenied: (d, body) => {
      if (typeof d.permission === "string") return fill("refusal.permission", d);
      if (!Array.isArray(d.outside_area)) return fill("refusal.denied", body);
      const codes = d.outside_area;
      if (d.outside_area_count !== undefined) {
        return fill("refusal.outside_area.changes", { codes, count: d.outside_area_count });
      }
      return fill("refusal.outside_area", { codes });
    },
    GenerationLocked: (d, body) => (d.generation === undefined ? fill("refusal.locked", body)
      : fill("refusal.locked.generation", {
        generation: d.generation, status: t(`editor.status.${d.status}`) })),
    ActivationRefused: (d, body) => (Array.isArray(d.findings_zh)
      ? fill("refusal.activation", { count: d.findings_zh.length,
                                     findings: d.findings_zh.join("；") })
      : fill("refusal.activation.other", body)),
    InvalidGeometry: (d, body) => reasoned(d, body, "refusal.geometry"),
    CoordinateError: (d, body) => reasoned(d, body, "refusal.coordinates"),
    InvalidInput: (d, body) => reasoned(d, body, "refusal.input"),
    NotFound: (d, body) => fill("refusal.not_found", { ...body, where: whereOf(body) }),
    ConcurrentChange: () => t("refusal.concurrent"),
    Conflict: (d, body) => {
      const state = String(d.sqlstate || "");
      if (state === "40001" || state === "40P01") return t("refusal.concurrent");
      if (state.startsWith("23")) return t("refusal.clash");
      return fill("refusal.conflict", body);
    },
    DatabaseUnavailable: () => t("refusal.unavailable"),
  };
  E.refusal = (answer) => {
    const body = answer.body || {};
    // a request the server could not read (FastAPI's validation, `detail` a list): the
    // fields and why, below; a domain refusal: its sentence by code
    const sentence = !Array.isArray(body.detail)
      && Object.prototype.hasOwnProperty.call(SENTENCES, body.error) ? SENTENCES[body.error] : null;
    if (E.page.lang !== "en" && sentence) {
      const details = body.details && typeof body.details === "object" ? body.details : {};
      return sentence(details, body);
    }
    if (Array.isArray(body.detail)) {
      const problems = body.detail.map((d) => `${(d.loc || []).join(".")}: ${d.msg}`).join("; ");
      return E.page.lang === "en" ? problems : fill("refusal.request", { problems });
    }
    if (typeof body.message === "string") return body.message;
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
