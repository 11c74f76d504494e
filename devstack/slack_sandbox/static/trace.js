// The "What happened" panel: for one mention (Slack event_id), what the sandbox and the
// functions did. Deliveries come from the sandbox's own records (`delivery` events); the rest
// from the functions' JSON log lines, forwarded by the dev stack's log tailer (`trace` events).

import { escapeHtml } from "./markdown.js";

const seconds = (value) => (typeof value === "number" ? `${value.toFixed(2)} s` : "—");
const millis = (value) => (typeof value === "number" ? `${Math.round(value)} ms` : "—");
const number = (value) => (typeof value === "number" ? value.toLocaleString("en-US") : "—");

function chip(label, value, title = "") {
  return `<span class="timing" title="${escapeHtml(title)}"><b>${escapeHtml(label)}</b> ${escapeHtml(value)}</span>`;
}

function first(records, message) {
  return records.find((r) => r.message === message);
}

function last(records, message) {
  return [...records].reverse().find((r) => r.message === message);
}

function statusClass(status) {
  return typeof status === "number" && status >= 200 && status < 300 ? "ok" : "bad";
}

function timings(deliveries, records) {
  const ack = deliveries.find((d) => d.attempt === 0);
  const received = first(records, "delivery received");
  const firstToken = last(records, "first token");
  const answered = last(records, "answered");
  let ackText = "—";
  if (ack) {
    ackText = ack.status === "timeout" ? `timeout (${millis(ack.late_latency_ms)} late)` : millis(ack.latency_ms);
  }
  return `<div class="timings">
    ${chip("ack", ackText, "Slack → ingress answered (first delivery)")}
    ${chip("at responder", seconds(received && received.seconds_since_mention), "Pub/Sub pushed the mention to the responder, seconds after the mention")}
    ${chip("first token", seconds(firstToken && firstToken.seconds_since_mention), "seconds from the mention to the model's first token")}
    ${chip("last token", seconds(answered && answered.seconds_since_mention), "seconds from the mention to the final answer")}
  </div>`;
}

function deliveryTable(deliveries) {
  if (!deliveries.length) return `<p class="muted">No delivery recorded (yet).</p>`;
  const rows = deliveries
    .map((d) => {
      const late = d.late_status !== undefined ? ` → late ${escapeHtml(d.late_status)} after ${millis(d.late_latency_ms)}` : "";
      const http = d.status === "timeout" && d.http_status ? ` (answered ${d.http_status})` : "";
      return `<tr class="delivery">
        <td>#${d.attempt}</td>
        <td class="${statusClass(d.status)}">${escapeHtml(d.status)}${escapeHtml(http)}${late}</td>
        <td>${millis(d.latency_ms)}</td>
        <td>${escapeHtml(d.retry_reason || "")}</td>
        <td class="sig" title="${escapeHtml(d.signature || "")}">${escapeHtml((d.signature || "").slice(0, 12))}…</td>
      </tr>`;
    })
    .join("");
  return `<table class="deliveries"><thead><tr><th>try</th><th>status</th><th>ack</th>
    <th>retry reason</th><th>X-Slack-Signature</th></tr></thead><tbody>${rows}</tbody></table>`;
}

const PUBSUB_LINES = {
  "mention queued": (r) =>
    `ingress published to <b>${escapeHtml(r.topic)}</b> · message ${escapeHtml(r.message_id)}` +
    (r.slack_retry ? ` · Slack retry ${escapeHtml(r.slack_retry)}` : ""),
  "delivery received": (r) =>
    `pushed to responder · message ${escapeHtml(r.message_id)}` +
    (r.delivery_attempt ? ` · delivery attempt ${escapeHtml(r.delivery_attempt)}` : "") +
    ` · ${seconds(r.seconds_since_mention)} after the mention`,
  "already handled or in hand": (r) => `responder: duplicate, not answered again (claim ${escapeHtml(r.state)})`,
  "own earlier attempt may still run; retry later": () => "responder: own earlier attempt may still run; nacked for later",
  "file mirrored": (r) =>
    `files: mirrored ${escapeHtml(r.file_id)} (${number(r.bytes)} bytes, ${escapeHtml(r.kind)})` +
    (r.problem ? ` · ${escapeHtml(r.problem)}` : ""),
  "files not mirrored yet; retry": (r) => `files: not mirrored yet, retry (${escapeHtml(r.error)})`,
};

function pubsub(records) {
  const lines = records.filter((r) => PUBSUB_LINES[r.message]).map((r) => `<li>${PUBSUB_LINES[r.message](r)}</li>`);
  const received = records.filter((r) => r.message === "delivery received");
  const ids = new Set(received.map((r) => r.message_id));
  const summary = ids.size
    ? `<p class="muted">${ids.size} Pub/Sub message${ids.size > 1 ? "s" : ""} reached the responder ${received.length} time${received.length > 1 ? "s" : ""}; one answer.</p>`
    : "";
  return lines.length ? `<ul class="pubsub">${lines.join("")}</ul>${summary}` : `<p class="muted">Nothing published yet.</p>`;
}

function contentText(content) {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content.map((p) => (p && p.type === "text" ? p.text : p && p.type === "image_url" ? "[image]" : "")).join("\n");
  }
  return JSON.stringify(content);
}

function modelRequest(records) {
  const request = last(records, "model request");
  if (!request) return `<p class="muted">No model request yet.</p>`;
  const answered = last(records, "answered");
  const usage = answered && answered.usage;
  const turns = request.turns || [];
  const prompt = request.prompt || [];
  const messages = (prompt.length ? prompt : turns).map((m, i) => {
    const tokens = turns[i] ? turns[i].tokens : undefined;
    const text = prompt.length ? contentText(m.content) : "(prompt logging is off: LOG_PROMPTS)";
    return `<li class="prompt-message role-${escapeHtml(m.role)}">
      <div class="prompt-head"><b>${escapeHtml(m.role)}</b><span>${number(tokens)} tokens</span></div>
      <pre>${escapeHtml(text)}</pre></li>`;
  });
  const usageText = usage ? ` · used ${number(usage.prompt_tokens)} in / ${number(usage.completion_tokens)} out` : "";
  const dropped = request.dropped || {};
  const left = [];
  if (dropped.dropped_turns) left.push(`${number(dropped.dropped_turns)} earlier messages (${number(dropped.dropped_tokens)} tokens)`);
  for (const kind of dropped.dropped_optional || []) left.push(`the ${kind}`);
  const leftText = left.length ? `<p class="model-line left-out">Left out to fit the budget: ${escapeHtml(left.join(", "))}</p>` : "";
  const round = request.tool_round ? ` · tool round ${number(request.tool_round)}` : "";
  return `<p class="model-line"><b>${escapeHtml(request.model)}</b> · ${messages.length} messages ·
      ≈ ${number(request.prompt_tokens_estimate)} of ${number(request.budget)} budget tokens${usageText}${round}</p>
    ${leftText}<ol class="prompt">${messages.join("")}</ol>`;
}

// The responder's "retrieval" lines: the query searched, the nearest chunks with their cosine
// distances, and which of them were sent to the model as numbered passages.
function retrieval(records) {
  const searches = records.filter((r) => r.message === "retrieval");
  if (!searches.length) return "";
  const blocks = searches.map((r) => {
    const rows = (r.candidates || [])
      .map(
        (c) => `<tr class="${c.sent ? "sent" : "unsent"}">
        <td>${c.sent ? `[${escapeHtml(c.n)}]` : "—"}</td>
        <td>${escapeHtml(c.title)}${c.section ? ` › ${escapeHtml(c.section)}` : ""}</td>
        <td>${escapeHtml(c.set)}</td>
        <td>${typeof c.distance === "number" ? c.distance.toFixed(3) : "—"}</td>
        <td>${number(c.tokens)}</td></tr>`,
      )
      .join("");
    const table = rows
      ? `<table class="retrieval"><thead><tr><th>sent</th><th>chunk</th><th>set</th><th>distance</th><th>tokens</th></tr></thead><tbody>${rows}</tbody></table>`
      : `<p class="muted">No chunk within distance ${escapeHtml(r.max_distance)}: nothing sent, nothing cited.</p>`;
    return `<p class="model-line"><b>${escapeHtml(r.via === "search_docs" ? "search_docs" : "question")}</b> · query
      <q>${escapeHtml(r.query)}</q> · sets ${escapeHtml((r.sets || []).join(", "))} · embed ${millis(1000 * r.embed_seconds)} · search ${millis(1000 * r.search_seconds)}</p>${table}`;
  });
  return `<h4>Documents</h4>${blocks.join("")}`;
}

// The responder's "audience" line (who can see the answer, what it may draw on, what was left
// out and why) and its linked-message and Slack-search lines: never shown in the answer itself.
function audience(records) {
  const decided = last(records, "audience");
  if (!decided) return "";
  const facts = `${decided.conversation}${decided.shared ? " · shared with another organisation" : ""}${decided.guest ? " · the asker is a guest" : ""}`;
  const leftOut = (decided.left_out || []).map((item) => `<li>${escapeHtml(item)}</li>`).join("");
  const links = records
    .filter((r) => r.message === "linked message read" || r.message === "linked message left out")
    .map((r) => `<li>${escapeHtml(r.message)}: ${escapeHtml(r.conversation)} (${escapeHtml(r.reason)})</li>`)
    .join("");
  const searches = records
    .filter((r) => r.message === "slack search" || r.message === "slack search failed")
    .map((r) => `<li>${escapeHtml(r.message)}${r.results !== undefined ? `: ${number(r.results)} results` : ""}${r.error ? ` (${escapeHtml(r.error)})` : ""}</li>`)
    .join("");
  return `<h4>Audience</h4><p class="audience-line">${escapeHtml(facts)} · may draw on ${escapeHtml((decided.allowed || []).join(", ") || "nothing")}</p>
    ${leftOut ? `<p class="audience-note">Left out (never said in the answer):</p><ul class="audience-left-out">${leftOut}</ul>` : ""}
    ${links ? `<ul class="audience-links">${links}</ul>` : ""}${searches ? `<ul class="audience-search">${searches}</ul>` : ""}`;
}

function problems(records) {
  const bad = records.filter((r) => r.severity === "ERROR" || r.severity === "WARNING" || r.severity === "CRITICAL");
  if (!bad.length) return "";
  return `<ul class="problems">${bad
    .map((r) => `<li><b>${escapeHtml(r.source)}</b>: ${escapeHtml(r.message)}${r.reason ? ` — ${escapeHtml(r.reason)}` : ""}${r.error ? ` — ${escapeHtml(r.error)}` : ""}</li>`)
    .join("")}</ul>`;
}

const HIDDEN_FIELDS = new Set(["prompt", "turns", "dropped", "candidates", "event_id", "source", "at", "seq", "message", "severity", "logger", "stack_trace"]);

function logLines(records) {
  const items = records.map((r) => {
    const fields = Object.entries(r)
      .filter(([k]) => !HIDDEN_FIELDS.has(k))
      .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
      .join(" ");
    return `<li><span class="source">${escapeHtml(r.source)}</span> ${escapeHtml(r.message)} <span class="muted">${escapeHtml(fields)}</span></li>`;
  });
  return `<details class="log-lines"><summary>Log lines (${records.length})</summary><ul>${items.join("")}</ul></details>`;
}

const FAILURES = new Set(["model failed", "answering failed", "could not report the failure"]);

// One mention's card. `question` is the text the person typed (already safe HTML).
export function eventCard({ eventId, questionHtml, deliveries, records }) {
  const mode = deliveries.length && deliveries[0].mode !== "normal" ? `<span class="mode">${escapeHtml(deliveries[0].mode)}</span>` : "";
  const failed = records.some((r) => FAILURES.has(r.message));
  const state = last(records, "answered") ? `<span class="done">answered</span>` : failed ? `<span class="failed">failed</span>` : "";
  return `<section class="trace-card" data-event="${escapeHtml(eventId)}">
    <header><code>${escapeHtml(eventId)}</code> ${mode} ${state}</header>
    <div class="question">${questionHtml}</div>
    ${timings(deliveries, records)}
    ${problems(records)}
    <h4>Signed request · Slack → ingress</h4>${deliveryTable(deliveries)}
    <h4>Pub/Sub</h4>${pubsub(records)}
    ${audience(records)}
    ${retrieval(records)}
    <h4>Model request</h4>${modelRequest(records)}
    ${logLines(records)}
  </section>`;
}
