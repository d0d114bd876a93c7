// The developer's desk of the XMS simulator: outbox, message detail,
// phones and controls, kept live by the simulator's event stream.
// Every value from the simulator goes into the page as text (textContent),
// never as markup: a message body is untrusted.
"use strict";

const state = { plan: null, plans: [], view: null, refreshTimer: null, events: null };

// ------------------------------------------------------------------ helpers

/** An element with attributes and children; strings become text nodes. */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

async function api(path, options = {}) {
  const init = { headers: {}, ...options };
  if (options.json !== undefined) {
    init.method = init.method || "POST";
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(options.json);
  }
  const response = await fetch(path, init);
  const text = await response.text();
  if (!response.ok) throw new Error(`${response.status}: ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : null;
}

function badge(status) {
  return h("span", { class: `badge ${status}`, "data-test": "status" }, status || "");
}

function when(at) {
  if (!at) return "";
  const d = new Date(at);
  return isNaN(d) ? at : d.toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
}

function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") q.set(k, v);
  return q.toString();
}

function route() {
  const [path, search] = (location.hash.slice(1) || "/outbox").split("?");
  return { parts: path.split("/").filter(Boolean).map(decodeURIComponent), params: new URLSearchParams(search || "") };
}

function go(hash) {
  if (location.hash === hash) render(); else location.hash = hash;
}

function showError(where, error) {
  where.replaceChildren(h("p", { class: "error", "data-test": "error" }, String(error.message || error)));
}

function copyButton(value) {
  return h("button", {
    class: "quiet", onclick: () => navigator.clipboard && navigator.clipboard.writeText(value),
  }, "Copy");
}

// ------------------------------------------------------------- live updates

function scheduleRefresh() {
  if (state.refreshTimer) return;
  state.refreshTimer = setTimeout(() => {
    state.refreshTimer = null;
    if (state.view && state.view.refresh) state.view.refresh();
  }, 200);
}

const EVENT_TYPES = ["batch_created", "batch_changed", "batch_canceled", "status_changed",
  "callback_attempted", "inbound_received", "clock", "reset", "loaded", "trimmed", "gap"];

function listen() {
  if (state.events) state.events.close();
  const live = document.getElementById("live");
  const source = new EventSource(`/_sim/events?${query({ plan: state.plan })}`);
  source.onopen = () => { live.textContent = "● live"; live.classList.add("on"); };
  source.onerror = () => { live.textContent = "○ reconnecting"; live.classList.remove("on"); };
  for (const type of EVENT_TYPES) {
    source.addEventListener(type, (event) => {
      if (type === "clock") updateClock(JSON.parse(event.data));
      scheduleRefresh();
    });
  }
  state.events = source;
}

function updateClock(clock) {
  const el = document.getElementById("clock");
  const mode = clock.clock && clock.clock.mode === "manual" ? "paused" : `×${clock.clock ? clock.clock.speed : 1}`;
  el.textContent = `${when(clock.now)} (${mode})`;
}

async function tickClock() {
  try { updateClock(await api("/_sim/clock")); } catch (_) { /* shown by the live marker */ }
}

// ------------------------------------------------------------------- outbox

const STATUSES = ["", "Scheduled", "Queued", "Dispatched", "Delivered", "Failed", "Rejected",
  "Expired", "Aborted", "Canceled"];

function outboxView(params) {
  const filters = {
    to: params.get("to") || "", from: params.get("from") || "", status: params.get("status") || "",
    batch: params.get("batch") || "", reference: params.get("reference") || "", text: params.get("text") || "",
  };
  let page = Number(params.get("page") || 0);
  const pageSize = 50;
  const body = h("tbody", { "data-test": "outbox-rows" });
  const summary = h("span", { class: "muted", "data-test": "outbox-total" });
  const older = h("button", { class: "quiet", onclick: () => { page += 1; refresh(); } }, "Older →");
  const newer = h("button", { class: "quiet", onclick: () => { page = Math.max(0, page - 1); refresh(); } }, "← Newer");
  let typing = null;
  const input = (name, label) => h("input", {
    placeholder: label, value: filters[name], "data-test": `filter-${name}`, "aria-label": label,
    oninput: (e) => {
      filters[name] = e.target.value; page = 0;
      clearTimeout(typing); typing = setTimeout(refresh, 250);
    },
  });
  const status = h("select", {
    "data-test": "filter-status", "aria-label": "Status",
    onchange: (e) => { filters.status = e.target.value; page = 0; refresh(); },
  }, STATUSES.map((s) => h("option", { value: s, selected: s === filters.status }, s || "any status")));
  const root = h("section", {},
    h("div", { class: "filters" }, input("to", "Recipient"), input("from", "Sender"), status,
      input("batch", "Batch id"), input("reference", "Client reference"), input("text", "Text")),
    h("div", { class: "panel" },
      h("table", {}, h("thead", {}, h("tr", {},
        ["Time", "From", "To", "Status", "Parts", "Text"].map((t) => h("th", {}, t)))), body),
      h("div", { class: "pager" }, newer, older, summary)));

  async function refresh() {
    try {
      const data = await api(`/_sim/messages?${query({ ...filters, plan: state.plan, page, page_size: pageSize })}`);
      const rows = data.items.map((m) => {
        // A message opens in detail; a batch not sent yet lists its batch.
        const target = m.index !== null && m.index !== undefined
          ? `#/message/${encodeURIComponent(m.plan)}/${encodeURIComponent(m.batch_id)}/${m.index}`
          : `#/outbox?${query({ batch: m.batch_id })}`;
        // The whole row opens it for a pointer; the time is a link for the
        // keyboard (and for browsers that do not click table rows).
        return h("tr", { class: "row", "data-test": "message-row", "data-batch": m.batch_id, "data-to": m.to, onclick: () => go(target) },
      h("td", { class: "mono" }, h("a", { class: "open", href: target, "data-test": "message-link" }, when(m.at))), h("td", {}, m.from || ""), h("td", { class: "mono" }, m.to),
      h("td", {}, badge(m.status)), h("td", {}, m.parts ?? ""), h("td", { class: "text" }, m.body));
      });
      body.replaceChildren(...(rows.length ? rows : [h("tr", {}, h("td", { colspan: 6, class: "muted" },
        "No messages yet. Send one through the API: it shows up here at once."))]));
      const first = data.total ? page * pageSize + 1 : 0;
      summary.textContent = `${first}–${Math.min((page + 1) * pageSize, data.total)} of ${data.total}`;
      newer.disabled = page === 0;
      older.disabled = (page + 1) * pageSize >= data.total;
    } catch (e) { showError(body, e); }
  }
  return { root, refresh };
}

// ----------------------------------------------------------- message detail

function messageView(plan, batch, index) {
  const root = h("section", { "data-test": "message-detail" }, h("p", { class: "muted" }, "Loading…"));
  async function refresh() {
    let m;
    try { m = await api(`/_sim/messages/${encodeURIComponent(plan)}/${encodeURIComponent(batch)}/${index}`); }
    catch (e) { return showError(root, e); }
    const parameters = Object.entries(m.parameters || {});
    root.replaceChildren(
      h("p", {}, h("a", { href: "#/outbox" }, "← Outbox")),
      h("div", { class: "grid" },
        h("div", {},
          h("div", { class: "phone" },
            h("div", { class: "muted" }, `To ${m.to}, from ${m.from || "(default sender)"}`),
            h("div", { class: "bubble to_phone", "data-test": "bubble" }, m.text)),
          h("dl", { class: "facts panel" },
            h("dt", {}, "Status"), h("dd", {}, badge(m.status), ` code ${m.code}`),
            h("dt", {}, "Type"), h("dd", {}, m.type),
            h("dt", {}, "Encoding"), h("dd", { "data-test": "encoding" }, m.encoding),
            h("dt", {}, "Parts"), h("dd", { "data-test": "parts-count" }, String(m.parts_count)),
            h("dt", {}, "Batch"), h("dd", { class: "mono" }, h("a", { href: `#/outbox?${query({ batch: m.batch.id })}` }, m.batch.id)),
            h("dt", {}, "Reference"), h("dd", {}, m.batch.client_reference || "—"),
            h("dt", {}, "Report"), h("dd", {}, m.batch.delivery_report || "none"))),
        h("div", {},
          h("h2", {}, `Parts (${m.parts.length})`),
          m.parts.map((p, i) => h("div", { class: "part", "data-test": "part" },
            h("span", { class: "muted" }, `${i + 1}/${m.parts.length}  `), p)),
          h("h2", {}, "Parameters applied"),
          parameters.length
            ? h("table", {}, h("tbody", {}, parameters.map(([k, v]) => h("tr", {}, h("td", { class: "mono" }, `\${${k}}`), h("td", {}, v ?? "(no value: the message fails)")))))
            : h("p", { class: "muted" }, "None."),
          h("h2", {}, "Timeline (simulated time)"),
          h("table", { "data-test": "timeline" }, h("tbody", {},
            m.timeline.map((t) => h("tr", {}, h("td", { class: "mono" }, when(t.at)), h("td", {}, badge(t.status)), h("td", {}, `code ${t.code}`))),
            m.next ? h("tr", { class: "muted" }, h("td", { class: "mono" }, when(m.next.at)), h("td", {}, `next: ${m.next.status}`), h("td", {}, `code ${m.next.code}`)) : null)),
          h("h2", {}, `Callbacks (${m.callbacks.length})`),
          m.callbacks.length ? m.callbacks.map(callbackBlock) : h("p", { class: "muted" },
            "None: the batch asks for no delivery reports, or has no callback URL."))));
  }
  return { root, refresh };
}

function callbackBlock(c) {
  const last = c.log.length ? c.log[c.log.length - 1] : null;
  const outcome = c.delivered ? "delivered" : c.next_attempt_at ? `next attempt ${when(c.next_attempt_at)}` : c.attempts ? "given up" : "queued";
  return h("div", { class: "callback", "data-test": "callback" },
    h("div", { class: "row-actions" },
      h("strong", {}, c.kind), h("span", { class: "mono" }, c.url),
      h("span", { "data-test": "callback-outcome" }, `${c.attempts} attempt(s), last answer ${c.last_status ?? "none"}, ${outcome}`),
      h("button", {
        class: "quiet", "data-test": "resend",
        onclick: async (e) => {
          e.target.disabled = true;
          try { await api(`/_sim/callbacks/${c.id}/resend`, { method: "POST" }); } catch (err) { alert(err.message); }
          scheduleRefresh();
        },
      }, "Send again")),
    h("details", {}, h("summary", {}, "Request and answers"),
      h("pre", {}, JSON.stringify(c.body, null, 2)),
      last && last.headers.length ? h("table", {}, h("tbody", {}, last.headers.map(([k, v]) => h("tr", {}, h("td", { class: "mono" }, k), h("td", { class: "mono" }, v))))) : h("p", { class: "muted" }, "Unsigned (the plan has no signing secret)."),
      h("table", {}, h("tbody", {}, c.log.map((a) => h("tr", {},
        h("td", { class: "mono" }, when(a.at)), h("td", {}, a.status ?? "no answer"), h("td", { class: "mono" }, a.answer)))))));
}

// ------------------------------------------------------------------- phones

function phonesView(number) {
  const list = h("ul", { class: "list", "data-test": "phones" });
  const pane = h("div", { class: "panel" });
  const root = h("section", {}, h("div", { class: "grid" }, h("div", { class: "panel" },
    h("div", { class: "row-actions" },
      h("input", { placeholder: "A number to act as", "data-test": "phone-open", onkeydown: (e) => { if (e.key === "Enter" && e.target.value.trim()) go(`#/phones/${encodeURIComponent(e.target.value.trim())}`); } })),
    list), pane));
  // The reply form is made once, so live updates never take what is typed.
  const heading = h("h2", { class: "mono" }, number || "");
  const conversation = h("div", { class: "conversation", "data-test": "conversation" });
  const to = h("input", { placeholder: "To (your app's number)", "data-test": "reply-to" });
  const text = h("textarea", { placeholder: "Reply as this phone", "data-test": "reply-text" });
  const send = h("button", {
    "data-test": "reply-send",
    onclick: async () => {
      if (!text.value.trim() || !to.value.trim()) return;
      send.disabled = true;
      try {
        await api("/_sim/inbounds", { json: { from: number, to: to.value.trim(), body: text.value, service_plan_id: state.plan } });
        text.value = "";
      } catch (e) { alert(e.message); }
      send.disabled = false;
      scheduleRefresh();
    },
  }, "Send as this phone");
  if (number) {
    pane.replaceChildren(heading, conversation, h("div", { class: "row-actions" }, to), text,
      h("div", { class: "row-actions" }, send, h("span", { class: "muted" }, "Keywords of groups with auto update apply, as on XMS.")));
  } else {
    pane.replaceChildren(h("p", { class: "muted" }, "Pick a phone to see its messages and answer as it."));
  }

  async function refresh() {
    try {
      const data = await api(`/_sim/phones?${query({ plan: state.plan })}`);
      list.replaceChildren(...(data.items.length ? data.items.map((p) => h("li", {
        class: p.number === number ? "active" : "", "data-test": "phone", "data-number": p.number,
        onclick: () => go(`#/phones/${encodeURIComponent(p.number)}`),
      }, h("div", { class: "mono" }, h("a", { class: "open", href: `#/phones/${encodeURIComponent(p.number)}`, "data-test": "phone-link" }, p.number)),
      h("div", { class: "muted" }, `${p.sent} sent to it, ${p.received} from it · ${p.last_text}`))) : [h("li", { class: "muted" }, "No phones yet.")]));
    } catch (e) { showError(list, e); }
    if (!number) return;
    try {
      const c = await api(`/_sim/phones/${encodeURIComponent(number)}?${query({ plan: state.plan })}`);
      if (!to.value && c.reply_to) to.value = c.reply_to;
      conversation.replaceChildren(...c.items.map((m) => h("div", { class: `bubble ${m.direction}`, "data-test": "conversation-item", "data-direction": m.direction },
        String(m.text ?? ""),
        h("span", { class: "meta" }, m.direction === "to_phone" ? `${when(m.at)} from ${m.from || "?"} · ${m.status}` : `${when(m.at)} to ${m.to}`))));
      conversation.scrollTop = conversation.scrollHeight;
    } catch (e) { showError(conversation, e); }
  }
  return { root, refresh };
}

// ----------------------------------------------------------------- controls

function controlsView() {
  const clockPane = h("div", { class: "panel" });
  const faultQueue = h("div", { "data-test": "fault-queue" });
  const plansPane = h("div", { class: "panel" });
  const field = (attrs) => h("input", attrs);
  const count = field({ type: "number", min: 1, value: 1, "data-test": "fault-count", "aria-label": "Count" });
  const status = field({ type: "number", min: 100, max: 599, value: 503, "data-test": "fault-status", "aria-label": "Status" });
  const delay = field({ type: "number", min: 0, value: 0, "data-test": "fault-delay", "aria-label": "Delay (ms)" });
  const drop = field({ type: "checkbox", "data-test": "fault-drop" });
  const processed = field({ type: "checkbox", "data-test": "fault-processed" });
  const endpoint = h("select", { "data-test": "fault-endpoint" }, h("option", { value: "xms" }, "XMS API"), h("option", { value: "token" }, "token endpoint"));
  const body = h("textarea", { placeholder: "Answer body (optional)", "data-test": "fault-body" });
  const speed = field({ type: "number", min: 0.1, step: 0.1, value: 1, "data-test": "speed", "aria-label": "Speed" });
  const seconds = field({ type: "number", min: 0, value: 60, "data-test": "advance-seconds", "aria-label": "Seconds" });
  const advance = (s) => async () => { await api("/_sim/clock/advance", { json: { seconds: s } }); tickClock(); scheduleRefresh(); };

  const root = h("section", {},
    h("h2", {}, "Clock"), clockPane,
    h("h2", {}, "Faults"),
    h("div", { class: "panel" },
      h("div", { class: "row-actions" },
        h("label", {}, "Next ", count, " request(s) to the "), endpoint,
        h("label", {}, " answer ", status), h("label", {}, " after ", delay, " ms"),
        h("label", {}, drop, " drop the connection"), h("label", {}, processed, " after handling it (the answer is lost)")),
      body,
      h("div", { class: "row-actions" },
        h("button", {
          "data-test": "fault-queue-button",
          onclick: async () => {
            const fault = { count: Number(count.value) || 1, delay_ms: Number(delay.value) || 0, drop: drop.checked, processed: processed.checked, endpoint: endpoint.value };
            if (!drop.checked) fault.status = Number(status.value) || 503;
            if (body.value) fault.body = body.value;
            await api("/_sim/faults", { json: fault });
            refresh();
          },
        }, "Queue the fault"),
        h("button", { class: "quiet", "data-test": "fault-clear", onclick: async () => { await api("/_sim/faults", { method: "DELETE" }); refresh(); } }, "Clear the queue")),
      faultQueue),
    h("h2", {}, "Plans"), plansPane,
    h("h2", {}, "Reset"),
    h("div", { class: "panel row-actions" },
      h("button", { class: "danger", "data-test": "reset", onclick: async () => {
        if (!confirm("Forget every batch, message, group, inbound message, fault and callback?")) return;
        await api("/_sim/reset", { method: "POST" }); scheduleRefresh();
      } }, "Reset the simulator"),
      h("span", { class: "muted" }, "The plans stay.")));

  async function refresh() {
    try {
      const clock = await api("/_sim/clock");
      updateClock(clock);
      const manual = clock.clock.mode === "manual";
      clockPane.replaceChildren(
        h("p", {}, h("strong", { "data-test": "clock-now" }, when(clock.now)), " ", manual ? "paused (moves only when advanced)" : `running at ×${clock.clock.speed}`),
        h("div", { class: "row-actions" },
          manual
            ? h("button", { "data-test": "run", onclick: async () => { await api("/_sim/clock/mode", { json: { mode: "realtime", speed: Number(speed.value) || 1 } }); refresh(); } }, "Run")
            : h("button", { "data-test": "pause", onclick: async () => { await api("/_sim/clock/mode", { json: { mode: "manual" } }); refresh(); } }, "Pause"),
          h("label", {}, "speed ×", speed),
          h("button", { class: "quiet", "data-test": "advance-1", onclick: advance(1) }, "+1 s"),
          h("button", { class: "quiet", "data-test": "advance-5", onclick: advance(5) }, "+5 s"),
          h("button", { class: "quiet", "data-test": "advance-60", onclick: advance(60) }, "+1 min"),
          h("button", { class: "quiet", "data-test": "advance-3600", onclick: advance(3600) }, "+1 h"),
          seconds, h("button", { class: "quiet", "data-test": "advance", onclick: () => advance(Number(seconds.value) || 0)() }, "Advance")));
      const faults = await api("/_sim/faults");
      const describe = (f) => f.drop ? "drop the connection" : `answer ${f.status ?? "as usual"}`;
      faultQueue.replaceChildren(h("p", { class: "muted" }, `Queued: ${faults.queued.xms} for the XMS API, ${faults.queued.token} for the token endpoint.`),
        h("ul", {}, [...faults.xms.map((f) => ["XMS API", f]), ...faults.token.map((f) => ["token endpoint", f])].map(([where, f]) =>
          h("li", { "data-test": "fault" }, `${where}: ${describe(f)}${f.delay_ms ? ` after ${f.delay_ms} ms` : ""}${f.processed ? ", after handling it" : ""}`))));
      const plans = await api("/_sim/service_plans");
      plansPane.replaceChildren(h("table", {}, h("thead", {}, h("tr", {}, ["Plan", "API token", "Signing secret", "Callback URL", "Inbound URL", "Holds"].map((t) => h("th", {}, t)))),
        h("tbody", {}, plans.map((p) => h("tr", { "data-test": "plan-row" },
          h("td", { class: "mono" }, p.id, " ", copyButton(p.id)),
          h("td", { class: "mono" }, p.api_token ? [p.api_token, " ", copyButton(p.api_token)] : (p.key_id ? `OAuth2 key ${p.key_id}` : "—")),
          h("td", { class: "mono" }, p.signing_secret ? [p.signing_secret, " ", copyButton(p.signing_secret)] : "unsigned"),
          h("td", { class: "mono" }, p.callback_url || "—"), h("td", { class: "mono" }, p.inbound_url || "—"),
          h("td", {}, `${p.messages} messages, ${p.inbounds} inbound, ${p.groups} groups`))))));
    } catch (e) { showError(clockPane, e); }
  }
  return { root, refresh };
}

// ------------------------------------------------------------------- router

function render() {
  const { parts, params } = route();
  const main = document.getElementById("main");
  let view;
  const name = parts[0] || "outbox";
  if (name === "message" && parts.length === 4) view = messageView(parts[1], parts[2], Number(parts[3]));
  else if (name === "phones") view = phonesView(parts[1] || null);
  else if (name === "controls") view = controlsView();
  else view = outboxView(params);
  for (const a of document.querySelectorAll("nav a")) a.classList.toggle("active", a.dataset.view === (name === "message" ? "outbox" : name));
  state.view = view;
  main.replaceChildren(view.root);
  view.refresh();
}

async function start() {
  try { state.plans = await api("/_sim/service_plans"); } catch (e) { return showError(document.getElementById("main"), e); }
  const select = document.getElementById("plan");
  const saved = localStorage.getItem("xms-dev-plan");
  state.plan = state.plans.some((p) => p.id === saved) ? saved : (state.plans[0] && state.plans[0].id);
  select.replaceChildren(...state.plans.map((p) => h("option", { value: p.id, selected: p.id === state.plan }, p.id)));
  select.addEventListener("change", () => {
    state.plan = select.value; localStorage.setItem("xms-dev-plan", state.plan); listen(); render();
  });
  window.addEventListener("hashchange", render);
  listen();
  tickClock();
  setInterval(tickClock, 1000);
  render();
}

start();
