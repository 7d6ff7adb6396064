// The supervisor page: plain DOM, no framework, no build step. Every value from the API goes in through
// textContent, never innerHTML.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { antiforgery: null, cursors: [null], page: 0, filters: new URLSearchParams() };

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v; else if (k === "dataset") Object.assign(node.dataset, v); else node.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c instanceof Node ? c : String(c));
  return node;
}

const utc = (iso) => (iso ? iso.replace("T", " ").replace(/\.\d+/, "").replace(/(Z|\+00:00)$/, "") : "");

function badge(text, kind) { return el("span", { class: `badge ${kind}` }, text); }

const unique = (items) => [...new Set(items)];

async function api(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  if (response.status === 401) { showSignIn(); throw new Error("signed out"); }
  const body = response.headers.get("content-type")?.includes("json") ? await response.json() : null;
  if (!response.ok) throw Object.assign(new Error(body?.title ?? response.statusText), { problem: body });
  return body;
}

async function refreshSession() {
  const session = await (await fetch("/supervisor/session", { headers: { Accept: "application/json" } })).json();
  state.antiforgery = session.antiforgery;
  for (const input of document.querySelectorAll("input.antiforgery")) {
    input.name = session.antiforgery.field;
    input.value = session.antiforgery.token;
  }
  return session;
}

async function postForm(form) {
  return fetch(form.action, { method: "POST", body: new FormData(form), headers: { Accept: "application/json" } });
}

function showSignIn() {
  for (const id of ["list-view", "detail-view", "sign-out", "replay-view"]) $(id).hidden = true;
  $("sign-in-view").hidden = false;
  $("key").focus();
}

async function start() {
  const session = await refreshSession();
  if (!session.signedIn) { showSignIn(); return; }
  $("who").textContent = `Signed in as ${session.name}`;
  $("sign-in-view").hidden = true;
  $("sign-out").hidden = false;
  await route();
}

async function route() {
  const match = location.hash.match(/^#\/calls\/([\w-]+)$/);
  $("list-view").hidden = !!match;
  $("detail-view").hidden = !match;
  $("replay-view").hidden = !!match;
  $("status").textContent = "";
  if (match) await showCall(match[1]);
  else await Promise.all([loadCalls(), loadFigures(), loadRegistry(), loadRules(), loadWebhooks()]);
}

// ---- list -----------------------------------------------------------------------------------------------

function readFilters() {
  const form = $("filters");
  const params = new URLSearchParams();
  for (const [name, value] of new FormData(form)) {
    if (!value) continue;
    // datetime-local has no zone; the labels say UTC, so it is sent as UTC.
    params.set(name, name === "from" || name === "to" ? `${value.length === 16 ? value + ":00" : value}Z` : value.trim());
  }
  return params;
}

function queryWith(extra = {}) {
  const params = new URLSearchParams(state.filters);
  for (const [k, v] of Object.entries(extra)) if (v) params.set(k, v);
  const text = params.toString();
  return text ? `?${text}` : "";
}

async function loadCalls() {
  const error = $("filter-error");
  error.hidden = true;
  $("export").href = `/v1/calls/export${queryWith()}`;
  let page;
  try {
    page = await api(`/v1/calls${queryWith({ limit: "25", cursor: state.cursors[state.page] })}`);
  } catch (e) {
    if (e.problem?.errors) {
      error.textContent = Object.entries(e.problem.errors).map(([f, m]) => `${f}: ${m.join(" ")}`).join(" · ");
      error.hidden = false;
    }
    return;
  }
  const body = $("calls").tBodies[0];
  body.replaceChildren(...page.items.map(callRow));
  $("calls-empty").hidden = page.items.length > 0;
  state.cursors[state.page + 1] = page.nextCursor;
  $("older").disabled = !page.nextCursor;
  $("newer").disabled = state.page === 0;
  $("page-label").textContent = `Page ${state.page + 1}`;
  $("status").textContent = `${page.items.length} calls shown.`;
}

function callRow(c) {
  const decision = c.allowed ? badge("allowed", "allowed") : badge("blocked", "blocked");
  const reasons = c.reasons.length ? el("span", { class: "small-reasons" }, unique(c.reasons).join(", ")) : null;
  const open = el("a",
    { href: `#/calls/${c.id}`, class: "button secondary", "aria-label": `Open call to ${c.to} at ${utc(c.requestedAt)}` },
    "Open");
  const cell = (label, kind, ...content) => el("td", { "data-label": label, class: kind }, ...content);
  return el("tr", { dataset: { id: c.id } },
    cell("Requested", "when", utc(c.requestedAt)),
    cell("Seller", "seller", c.seller),
    cell("To", "phone", c.to),
    cell("Purpose", "purpose", c.purpose, c.jurisdiction ? " " : null,
      c.jurisdiction ? el("span", { class: "jurisdiction muted", title: "jurisdiction" }, c.jurisdiction) : null),
    cell("Decision", "decision", decision, reasons),
    cell("Status", "status", c.status, c.optedOut ? " " : null, c.optedOut ? badge("OPTED OUT", "opted-out") : null),
    cell("Answered by", "answered", c.answeredBy ?? "—"),
    cell("", "open", open));
}

async function loadFigures() {
  const params = new URLSearchParams(state.filters);
  const f = await api(`/v1/calls/figures${params.toString() ? "?" + params : ""}`);
  const from = state.filters.get("from"), to = state.filters.get("to");
  $("figures-range").textContent =
    from || to ? `${from ? utc(from) : "24 h before"} – ${to ? utc(to) : "now"} UTC` : "last 24 hours";
  const figure = (label, value) => el("div", {}, el("dt", {}, label), el("dd", {}, value.toLocaleString("en-US")));
  $("figures").replaceChildren(
    figure("Requested", f.requested), figure("Placed", f.placed), figure("Blocked", f.blocked),
    figure("Opted out", f.optedOut), figure("Answered: human", f.answered.human),
    figure("Answered: machine", f.answered.machine),
    // The abandonment figure regulators ask for: a person must hear the identity within 2 s of answering.
    figure("Waited over 2 s for the first word", f.firstWord.shareOverTwoSeconds === null ? "no calls measured"
      : `${(f.firstWord.shareOverTwoSeconds * 100).toLocaleString("en-US", { maximumFractionDigits: 1 })} % `
        + `(${f.firstWord.overTwoSeconds.toLocaleString("en-US")} of ${f.firstWord.measured.toLocaleString("en-US")})`),
    figure("Lookups made", f.lookups.made), figure("Lookup cache hits", f.lookups.cacheHits));
  const reasons = Object.entries(f.blockedByReason);
  $("by-reason").replaceChildren(...(reasons.length
    ? reasons.map(([code, n]) => el("li", {}, `${code}: ${n.toLocaleString("en-US")}`))
    : [el("li", { class: "muted" }, "none")]));
}

async function loadRegistry() {
  const lists = await api("/v1/registry");
  $("registry").tBodies[0].replaceChildren(...lists.map((l) => el("tr", {},
    el("td", {}, l.name), el("td", {}, l.asOf), el("td", { class: "num" }, l.count.toLocaleString("en-US")),
    el("td", { class: "num" }, `${l.ageDays} d`), el("td", {}, l.stale ? badge("stale", "stale") : badge("fresh", "fresh")))));
  $("registry-empty").hidden = lists.length > 0;
}

// The rule book in force now (GET /v1/rules): one row per entry, with its effective dates and source.
function window_(w) {
  const days = Object.entries(w.days ?? {}).map(([d, x]) => `${d} ${x ? `${x.start}-${x.end}` : "none"}`);
  return `${w.start}-${w.end}${w.timeZone ? ` ${w.timeZone}` : ""}${days.length ? ` (${days.join(", ")})` : ""}`;
}

async function loadRules() {
  const book = await api("/v1/rules");
  const r = book.rules;
  const rows = [
    ...r.callingHours.map((e) => ["Calling hours", e, window_(e)]),
    ...r.dayBans.map((e) => ["Day ban", e, `no calls on ${e.days.join(", ")}`]),
    ...r.holidayBans.map((e) => ["Holiday ban", e, `legal holidays (list ${e.coveredFrom} to ${e.coveredThrough})`]),
    ...r.caps.map((e) => ["Cap", e, `${e.maxCalls} calls per ${e.windowHours} h`]),
    ...r.revocationScope.map((e) => ["Revocation", e, `a revocation reaches ${e.scope} purposes`]),
    ...r.adadRules.map((e) => ["Automated calls", e, `${e.requires}${e.frameSatisfies ? "" : " (blocked)"}`]),
  ];
  $("rules-version").textContent = `version ${book.version}`;
  $("rules").tBodies[0].replaceChildren(...rows.map(([kind, e, what]) => el("tr", {},
    el("td", {}, kind), el("td", {}, e.jurisdiction), el("td", {}, what), el("td", {}, e.appliesTo),
    el("td", {}, `${e.effectiveFrom} to ${e.effectiveTo ?? "now"}`),
    el("td", {}, e.citation, e.uncertain ? badge("uncertain: stricter reading", "stale") : ""))));
  $("restricted-dates").replaceChildren(...(book.restrictedDates.length
    ? book.restrictedDates.map((d) => el("li", {}, el("strong", {}, d.state),
      ` ${d.from} to ${d.to} (${d.appliesTo}) — ${d.citation}`))
    : [el("li", { class: "muted" }, "none")]));
}

// Subscriptions disabled or with deliveries failed or waiting on a retry, and the latest deliveries not yet made.
async function loadWebhooks() {
  const [subscriptions, deliveries] = await Promise.all([
    api("/v1/webhooks/subscriptions"), api("/v1/webhooks/deliveries?status=pending,failed&limit=20")]);
  const failing = subscriptions.filter((s) => s.disabledAt || s.failed > 0 || (s.pending > 0 && s.lastError));
  $("subscriptions").tBodies[0].replaceChildren(...failing.map((s) => el("tr", {},
    el("td", {}, s.seller), el("td", {}, s.url),
    el("td", {}, s.disabledAt ? badge(`disabled ${utc(s.disabledAt)}`, "stale") : badge("retrying", "pending")),
    el("td", { class: "num" }, s.pending), el("td", { class: "num" }, s.failed), el("td", {}, s.lastError ?? ""))));
  $("subscriptions-ok").hidden = failing.length > 0;
  $("deliveries").tBodies[0].replaceChildren(...deliveries.items.map((d) => el("tr", {},
    el("td", {}, utc(d.createdAt)), el("td", {}, `${d.type} ${d.eventId}`), el("td", {}, d.seller),
    el("td", {}, d.status), el("td", { class: "num" }, d.attempts),
    el("td", {}, d.lastStatusCode ?? d.lastError ?? ""), el("td", {}, utc(d.nextAttemptAt)))));
  $("deliveries-empty").hidden = deliveries.items.length > 0;
}

// ---- detail ---------------------------------------------------------------------------------------------

async function showCall(id) {
  let call;
  try {
    call = await api(`/v1/calls/${encodeURIComponent(id)}`);
  } catch (e) {
    $("status").textContent = `Could not load the call: ${e.message}`;
    return;
  }
  $("detail-title").textContent = `Call to ${call.to} — ${utc(call.requestedAt)} UTC`;
  $("opt-out-banner").hidden = !call.optedOut;
  const pairs = [
    ["Id", call.id], ["Seller", call.seller], ["To", call.to], ["From", call.from], ["Purpose", call.purpose],
    ["Jurisdiction", call.decision.jurisdiction ?? "—"],
    ["Template", `${call.template} (${call.language})`], ["Status", call.status], ["Answered by", call.answeredBy ?? "—"],
    ["Duration", call.durationSeconds == null ? "—" : `${call.durationSeconds} s`], ["Twilio SID", call.twilioCallSid ?? "—"],
    ["Opted out", call.optedOut ? "YES" : "no"], ["Requested", `${utc(call.requestedAt)} UTC`],
    ["Updated", `${utc(call.updatedAt)} UTC`],
  ];
  $("d-summary").replaceChildren(...pairs.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));
  const d = call.decision;
  $("d-verdict").replaceChildren(d.allowed ? badge("ALLOWED", "allowed") : badge("BLOCKED", "blocked"),
    ` evaluated ${utc(d.evaluatedAt)} UTC`, d.nextAllowedAt ? ` · lawful from ${utc(d.nextAllowedAt)} UTC` : "",
    d.rulesVersion ? ` · rule book ${d.rulesVersion}` : "");
  // Two checks may give the same reason (each stays in the checks table): the reasons list names each code once.
  const byCode = new Map();
  for (const r of d.reasons) byCode.set(r.code, unique([...(byCode.get(r.code) ?? []), r.message]));
  $("d-reasons").replaceChildren(...[...byCode].map(([code, messages]) =>
    el("li", {}, el("strong", {}, code), ` — ${messages.join(" ")}`)));
  $("d-lists").textContent = d.lists?.length
    ? "Registry data used: " + d.lists.map((l) => `${l.list} as of ${l.asOf ?? "none"}`).join(", ")
    : "";
  $("d-checks").tBodies[0].replaceChildren(...d.checks.map((c) => el("tr", {},
    el("td", { "data-label": "Rule", class: "rule" }, c.rule),
    el("td", { "data-label": "Outcome" }, badge(c.outcome.replace("_", " "), c.outcome)),
    el("td", { "data-label": "Citation" }, c.citation), el("td", { "data-label": "Detail" }, c.detail))));
  const spoken = call.events.filter((e) => e.type === "message.rendered" && e.detail?.text).map((e) => e.detail.text);
  const erased = call.events.some((e) => e.type === "message.rendered" && e.detail?.personal === "erased");
  $("d-message").textContent = spoken.length ? spoken.join("\n\n— repeated —\n\n")
    : erased ? "Erased: the words spoken held personal data, erased on request or after the retention period."
    : (call.allowed
      ? "No message was recorded: the call was not answered by a person or has not reached that point."
      : "None: the call was blocked and never placed.");
  $("d-timeline").replaceChildren(...call.events.map((e) => {
    const optOut = e.type.includes("opted_out") || e.type.includes("optout");
    return el("li", { class: optOut ? "opt-out" : "" }, el("time", { datetime: e.at }, `${utc(e.at)} UTC`),
      el(optOut ? "strong" : "span", { class: "sentence" }, describe(e.type, e.detail)),
      optOut ? badge("OPT-OUT", "opted-out") : null, el("code", { class: "type" }, e.type));
  }));
  $("back").focus();
}

// ---- timeline ------------------------------------------------------------------------------------------

const answerer = (who) => who === "human" ? "a human" : who === "fax" ? "a fax machine"
  : who?.startsWith("machine") ? `an answering machine (${who})` : `someone Twilio could not tell (${who})`;

/** A field a sentence cannot do without: when it is missing, the event is shown as plain key: value text instead. */
function need(detail, key) {
  if (detail[key] === null || detail[key] === undefined) throw new Error(`no ${key}`);
  return detail[key];
}

// One short sentence per event type, from the details written by CallService, CallWebhooks and CallReconciler.
const sentences = {
  "call.requested": (d) => `Requested by ${d.actor ?? "an unknown caller"}: `
    + `template ${need(d, "template")} (${need(d, "language")})`
    + (d.idempotencyKey ? `, idempotency key ${d.idempotencyKey}` : "")
    + (d.customer?.state || d.customer?.timeZone
      ? `, customer in ${[d.customer.state, d.customer.timeZone].filter(Boolean).join(" / ")}` : ""),
  // The decision itself (reasons with code, rule and message); calls recorded before it carry the codes alone.
  "call.decided": (d) => (need(d, "allowed") ? "Decided: allowed"
    : `Decided: blocked — ${unique((d.reasons ?? []).map((r) => r.code ?? r)).join(", ")}`)
    + (d.nextAllowedAt ? ` (lawful from ${utc(d.nextAllowedAt)} UTC)` : ""),
  "twilio.create": (d) => d.callSid
    ? `Twilio accepted the call: ${d.callSid}`
    : `Twilio did not take the call${d.httpStatus ? ` (HTTP ${d.httpStatus})` : ""}: `
      + `${d.detail ?? "no detail"}; status ${need(d, "status")}`,
  "twilio.amd": (d) => `Machine detection: ${answerer(d.answeredBy)}`
    + (d.action ? `; ${d.action === "voicemail" ? "redirected to the voicemail" : "hung up"}` : ""),
  "twilio.update": (d) => `Twilio call update (${d.action}): ${d.accepted ? "accepted" : "refused"}; ${d.detail}`,
  "twilio.voicemail": () => "Twilio asked for the voicemail, after the beep",
  "twilio.voice": (d) => d.answeredBy ? `Answered by ${answerer(d.answeredBy)}` : "Answered; Twilio asked for the message",
  "call.suppressed": (d) => `Hung up without a message: ${need(d, "why")}`,
  "twilio.gather": (d) => (d.digits ? `Customer pressed ${d.digits}`
    : d.speech ? `Customer said “${d.speech}”` : "No reply to the prompt")
    + (d.attempt > 0 ? ` (attempt ${d.attempt + 1})` : ""),
  "call.opted_out": (d) => `Customer opted out by ${need(d, "channel")}`,
  "optout.recorded": (d) => `Opt-out recorded (${need(d, "channel")})`,
  "twilio.status": (d) => `Twilio status: ${need(d, "callStatus")}`
    + (d.sequenceNumber != null ? ` (sequence ${d.sequenceNumber})` : "")
    + (d.callDuration ? `, ${d.callDuration} s` : "") + (d.answeredBy ? `, answered by ${d.answeredBy}` : ""),
  "message.rendered": (d) => `Message spoken: ${need(d, "text")}`,
  "call.reconciled": (d) => d.callSid
    ? `Reconciled: found at Twilio as ${d.callSid}, status ${need(d, "status")}`
    : `Reconciled: ${d.reason ?? "not found at Twilio"}; status ${need(d, "status")}`,
};

/** Compact "key: value" text for a detail no sentence is written for; nested keys are joined with dots. */
function plain(detail, prefix = "") {
  if (detail === null || detail === undefined) return prefix ? `${prefix}: none` : "";
  if (typeof detail !== "object") return prefix ? `${prefix}: ${detail}` : String(detail);
  if (Array.isArray(detail) && detail.every((v) => v === null || typeof v !== "object"))
    return `${prefix || "values"}: ${detail.length ? detail.map((v) => v ?? "none").join(", ") : "none"}`;
  return Object.entries(detail).map(([k, v]) => plain(v, prefix ? `${prefix}.${k}` : k)).filter(Boolean).join(", ");
}

function describe(type, detail) {
  const sentence = sentences[type];
  if (sentence && detail && typeof detail === "object") {
    try { return sentence(detail); } catch { /* a detail of another shape: shown as plain text below */ }
  }
  return plain(detail) || type;
}

// ---- wiring ---------------------------------------------------------------------------------------------

document.addEventListener("DOMContentLoaded", () => {
  $("sign-in").addEventListener("submit", async (event) => {
    event.preventDefault();
    const response = await postForm(event.target);
    $("key").value = "";
    if (response.ok) { $("sign-in-error").hidden = true; await start(); return; }
    const problem = await response.json().catch(() => null);
    $("sign-in-error").textContent = problem?.detail ?? "Sign-in failed.";
    $("sign-in-error").hidden = false;
    await refreshSession();
  });
  $("sign-out").addEventListener("submit", async (event) => {
    event.preventDefault();
    await postForm(event.target);
    location.hash = "";
    $("who").textContent = "";
    await refreshSession();
    showSignIn();
  });
  $("filters").addEventListener("submit", async (event) => {
    event.preventDefault();
    state.filters = readFilters();
    state.cursors = [null];
    state.page = 0;
    await Promise.all([loadCalls(), loadFigures()]);
  });
  $("filters").addEventListener("reset", () => setTimeout(() => $("filters").requestSubmit(), 0));
  $("older").addEventListener("click", async () => { state.page++; await loadCalls(); });
  $("newer").addEventListener("click", async () => { state.page = Math.max(0, state.page - 1); await loadCalls(); });
  $("replay").addEventListener("submit", async (event) => {
    event.preventDefault();
    const response = await postForm(event.target);
    const answer = await response.json().catch(() => null);
    const table = $("replay-differences");
    table.tBodies[0].replaceChildren();
    if (!response.ok) {
      $("replay-error").textContent = answer?.detail ?? Object.values(answer?.errors ?? {}).flat().join(" ") ?? "Replay failed.";
      $("replay-error").hidden = false;
      table.hidden = true;
      return;
    }
    $("replay-error").hidden = true;
    const c = answer.counts;
    $("replay-summary").textContent = `${c.calls} calls replayed, ${c.changed} would differ` +
      (c.factsNotKept ? `, ${c.factsNotKept} without kept facts (decided on today's)` : "") +
      (c.erased ? `, ${c.erased} erased (not replayed)` : "") +
      (answer.more ? `; the first ${answer.differences.length} shown` : "");
    const verdict = (v) => v.allowed ? badge("allowed", "allowed")
      : el("span", {}, badge("blocked", "blocked"), " ", v.reasons.join(", "));
    for (const d of answer.differences) {
      table.tBodies[0].append(el("tr", {},
        el("td", {}, el("a", { href: `#/calls/${d.callId}` }, d.callId)),
        el("td", {}, new Date(d.requestedAt).toISOString()), el("td", {}, d.seller),
        el("td", {}, verdict(d.before)), el("td", {}, verdict(d.after)),
        el("td", {}, d.factsNotKept ? badge("not kept: today's", "stale") : "kept")));
    }
    table.hidden = answer.differences.length === 0;
  });
  $("back").addEventListener("click", (event) => { event.preventDefault(); location.hash = ""; });
  window.addEventListener("hashchange", () => route());
  start();
});
