// The sandbox's workspace page: a Slack-like channel view to talk to the bot.
//
// State comes from GET /_sandbox/state once, then every change arrives on the
// /_sandbox/stream server-sent events (no polling). Posting uses POST /_sandbox/messages, so the
// sandbox signs and delivers the event to the bot's ingress exactly as Slack would.

import { escapeHtml, renderMarkdown } from "./markdown.js";
import { Composer, readFile } from "./composer.js";
import { eventCard } from "./trace.js";
import { authorId, authorName, threadSummary } from "./threads.js";
import { initAssistantUi, renderPrompts, statusLine } from "./assistant_ui.js";
import { messageText, renderBlockActions, renderFiles } from "./message_parts.js";
import { renderRichBlocks } from "./rich_blocks.js";
import { renderStreamControls, renderTasks } from "./stream_ui.js";

const ME = "U0ALICE";
const BOT = "U0BOT";
const PROGRESS_TEXT = "_Thinking…_"; // what the bot posts first (assistant/slack/reply.py)
const CURSOR = " ▍"; // the bot's "still streaming" mark
const KINDS = [
  "message_posted", "message_updated", "message_deleted", "stream_appended", "status_set",
  "reaction_changed", "files_shared", "delivery", "trace", "reset",
];
const EMOJI = { eyes: "👀", white_check_mark: "✅", x: "❌", hourglass: "⏳", thinking_face: "🤔", thumbsup: "👍", "+1": "👍", warning: "⚠️" };
const COLORS = { U0BOT: "#2eb67d", U0ALICE: "#7c3085", U0BOB: "#1264a3", U0CAROL: "#e01e5a", U0DEPLOY: "#ecb22e" };

const state = {
  info: null,
  users: {}, // id -> user object
  channels: [], // channel objects, sidebar order
  messages: new Map(), // channel -> Map(ts -> message)
  deliveries: new Map(), // event_id -> Map(attempt -> record)
  eventOf: new Map(), // "channel:ts" -> event_id
  traces: new Map(), // event_id -> Map(seq -> record)
  statuses: new Map(), // "channel:thread_ts" -> status_set payload (status, loading_messages)
  unread: new Set(),
  clicked: new Map(), // "channel:ts" -> value of the feedback button clicked
  current: "C0GENERAL",
  thread: null, // ts of the open thread
  traceOpen: false,
  focusEvent: null, // the mention whose card is highlighted
  scrollToFocus: false,
};

const $ = (selector, root = document) => root.querySelector(selector);
const key = (channel, ts) => `${channel}:${ts}`;

// ---- loading and live updates --------------------------------------------------------------

async function getJSON(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.json();
}

function loadState(snapshot, traces) {
  state.users = Object.fromEntries(snapshot.users.map((u) => [u.id, u]));
  state.channels = snapshot.channels;
  state.messages = new Map(snapshot.channels.map((c) => [c.id, new Map()]));
  for (const [channel, messages] of Object.entries(snapshot.messages)) {
    for (const message of messages) state.messages.get(channel).set(message.ts, message);
  }
  state.deliveries = new Map();
  for (const record of snapshot.deliveries) addDelivery(record);
  state.traces = new Map();
  for (const records of Object.values(traces.events)) records.forEach(addTrace);
}

let queued = []; // changes that arrive before the first state is loaded
let resync = false;

function connect() {
  const source = new EventSource(`/_sandbox/stream?kinds=${KINDS.join(",")}`);
  for (const kind of KINDS) {
    source.addEventListener(kind, (event) => {
      const payload = JSON.parse(event.data);
      if (queued) queued.push([kind, payload]);
      else apply(kind, payload);
    });
  }
  source.onopen = () => {
    setLive(true);
    if (resync) {
      resync = false;
      reload(); // catch up on anything missed while disconnected
    }
  };
  source.onerror = () => {
    setLive(false);
    resync = true;
  };
}

async function reload() {
  const [snapshot, traces] = await Promise.all([getJSON("/_sandbox/state"), getJSON("/_sandbox/trace")]);
  loadState(snapshot, traces);
  renderAll();
}

function setLive(live) {
  const dot = $("#live");
  dot.classList.toggle("off", !live);
  dot.title = live ? "live: changes arrive as they happen" : "reconnecting…";
}

function addDelivery(record) {
  if (!state.deliveries.has(record.event_id)) state.deliveries.set(record.event_id, new Map());
  state.deliveries.get(record.event_id).set(record.attempt, record);
  // A mention delivers app_mention, then message: the card follows the first (the mention).
  const where = key(record.channel, record.ts);
  if (record.channel && record.ts && !state.eventOf.has(where)) state.eventOf.set(where, record.event_id);
}

function addTrace(record) {
  if (!state.traces.has(record.event_id)) state.traces.set(record.event_id, new Map());
  state.traces.get(record.event_id).set(record.seq, record);
}

function upsert(channel, message) {
  if (!state.messages.has(channel)) state.messages.set(channel, new Map());
  state.messages.get(channel).set(message.ts, message);
}

function apply(kind, payload) {
  switch (kind) {
    case "message_posted":
    case "message_updated":
    case "stream_appended": {
      upsert(payload.channel, payload.message);
      if (kind === "message_posted" && payload.channel !== state.current) state.unread.add(payload.channel);
      if (kind === "message_posted" && payload.message.bot_id) {
        state.statuses.delete(key(payload.channel, payload.message.thread_ts)); // answered: status clears
      }
      changed(payload.channel, payload.message.ts);
      break;
    }
    case "message_deleted":
      state.messages.get(payload.channel)?.delete(payload.ts);
      schedule();
      break;
    case "reaction_changed": {
      const message = state.messages.get(payload.channel)?.get(payload.ts);
      if (message) message.reactions = payload.reactions;
      changed(payload.channel, payload.ts);
      break;
    }
    case "files_shared":
      schedule();
      break;
    case "status_set":
      state.statuses.set(key(payload.channel, payload.thread_ts), payload);
      schedule();
      break;
    case "delivery":
      addDelivery(payload);
      scheduleTrace();
      if (payload.channel) changed(payload.channel, payload.ts);
      break;
    case "trace":
      addTrace(payload);
      scheduleTrace();
      break;
    case "reset":
      for (const messages of state.messages.values()) messages.clear();
      state.deliveries.clear();
      state.traces.clear();
      state.eventOf.clear();
      state.thread = null;
      schedule();
      break;
  }
}

// Re-render at most once a frame, however many changes arrive.
let pending = false;
let pendingTrace = false;
function schedule() {
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => {
    pending = false;
    pendingTrace = false;
    renderAll();
  });
}
function scheduleTrace() {
  if (pending || pendingTrace) return;
  pendingTrace = true;
  requestAnimationFrame(() => {
    pendingTrace = false;
    renderTrace();
  });
}
function changed(channel, ts) {
  if (channel === state.current) schedule();
  else renderSidebar();
}

// ---- messages ------------------------------------------------------------------------------

function conversation(channel) {
  return [...(state.messages.get(channel)?.values() || [])].sort((a, b) => a.ts.localeCompare(b.ts));
}

function isTopLevel(m) {
  return !m.thread_ts || m.thread_ts === m.ts || m.subtype === "thread_broadcast";
}

function replies(channel, ts) {
  return conversation(channel).filter((m) => m.thread_ts === ts && m.ts !== ts);
}

function mdContext() {
  return {
    users: Object.fromEntries(Object.values(state.users).map((u) => [u.id, u.name])),
    channels: Object.fromEntries(state.channels.map((c) => [c.id, c.name || "direct message"])),
  };
}

function clock(ts) {
  const date = new Date(parseFloat(ts) * 1000);
  return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

function avatar(userId, extraClass = "") {
  const user = state.users[userId];
  const letter = user ? (userId === "U0BOT" ? "✦" : user.name[0].toUpperCase()) : "?";
  const title = user ? ` title="${escapeHtml(user.real_name || user.name)}"` : "";
  return `<div class="avatar${extraClass ? ` ${extraClass}` : ""}"${title} style="background:${COLORS[userId] || "#616061"}">${escapeHtml(letter)}</div>`;
}

// Under a thread's parent, as in Slack: the repliers' faces, "N replies", "Last reply …".
function renderThreadSummary(channel, m) {
  const summary = threadSummary(m, replies(channel, m.ts), state.users);
  if (!summary) return "";
  const faces = summary.faces.map((id) => avatar(id, "face")).join("");
  return `<span class="thread-summary" data-thread="${escapeHtml(m.ts)}"><span class="faces">${faces}</span>
    <button class="replies" data-thread="${escapeHtml(m.ts)}">${summary.label}</button>
    <span class="last-reply">${escapeHtml(summary.lastReply)}</span></span>`;
}

function renderBody(m) {
  const text = messageText(m);
  if (m.bot_id && text === PROGRESS_TEXT) {
    return `<div class="text thinking"><span class="dots"><i></i><i></i><i></i></span> thinking…</div>`;
  }
  const streaming = m.stream_state === "streaming" || text.endsWith(CURSOR);
  const shown = text.endsWith(CURSOR) ? text.slice(0, -CURSOR.length) : text;
  return `<div class="text md${streaming ? " streaming" : ""}">${renderMarkdown(shown, mdContext())}</div>`;
}

async function clickAction(button) {
  const { clickChannel: channel, clickTs: ts, action, value } = button.dataset;
  const response = await fetch("/_sandbox/actions", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ channel, ts, action_id: action, value, user: "U0ALICE" }),
  });
  const result = await response.json();
  if (!result.ok) return showError(`The app answered the click with ${JSON.stringify(result.statuses || result.error)}`);
  state.clicked.set(key(channel, ts), value);
  renderAll();
}

function renderMessage(channel, m, { inThread }) {
  const author = authorId(m, state.users);
  // Every bot's message is labelled APP, the app's own and other apps' alike.
  const isBot = Boolean(m.bot_id) || Boolean(state.users[author]?.is_bot);
  const eventId = state.eventOf.get(key(channel, m.ts));
  const threadRow = inThread ? "" : renderThreadSummary(channel, m);
  const traceLink = eventId
    ? `<button class="trace-link" data-event="${escapeHtml(eventId)}" data-thread="${escapeHtml(m.thread_ts || m.ts)}">What happened</button>`
    : "";
  const reactions = (m.reactions || [])
    .map((r) => `<span class="reaction">${EMOJI[r.name] || `:${escapeHtml(r.name)}:`} ${r.count}</span>`)
    .join("");
  const replyAction = inThread ? "" : `<button class="reply-action" data-thread="${escapeHtml(m.ts)}" title="Reply in thread">Reply</button>`;
  return `<div class="msg${isBot ? " bot" : ""}" data-ts="${escapeHtml(m.ts)}" data-user="${escapeHtml(author || "")}">
    ${avatar(author)}
    <div class="content">
      <div class="meta"><span class="name">${escapeHtml(authorName(m, state.users))}</span>${isBot ? '<span class="badge">APP</span>' : ""}
        <span class="time" title="${escapeHtml(m.ts)}">${clock(m.ts)}</span>${m.edited && !isBot ? '<span class="muted">(edited)</span>' : ""}</div>
      ${renderStreamControls(channel, m)}
      ${renderTasks(m)}
      ${renderBody(m)}
      ${renderRichBlocks(m)}
      ${renderFiles(m)}
      ${renderBlockActions(channel, m, state.clicked.get(key(channel, m.ts)))}
      ${reactions ? `<div class="reactions">${reactions}</div>` : ""}
      ${threadRow || traceLink ? `<div class="below">${threadRow}${traceLink}</div>` : ""}
    </div>
    <div class="actions">${replyAction}</div>
  </div>`;
}

// ---- layout --------------------------------------------------------------------------------

function channelTitle(channel) {
  return channel.is_im ? "assistant" : `# ${channel.name}`;
}

function renderSidebar() {
  const row = (c) => {
    const label = c.is_im ? `${avatar("U0BOT")}<span>assistant</span>` : `<span class="hash">#</span><span>${escapeHtml(c.name)}</span>`;
    const classes = ["channel-link", c.id === state.current ? "active" : "", state.unread.has(c.id) ? "unread" : ""].join(" ");
    return `<li><a href="#${escapeHtml(c.id)}" class="${classes}" data-channel="${escapeHtml(c.id)}">${label}</a></li>`;
  };
  $("#channels").innerHTML = state.channels.filter((c) => !c.is_im).map(row).join("");
  $("#dms").innerHTML = state.channels.filter((c) => c.is_im).map(row).join("");
}

function nearBottom(element) {
  return element.scrollHeight - element.scrollTop - element.clientHeight < 120;
}

function fillList(list, html) {
  const stick = nearBottom(list);
  list.innerHTML = html;
  if (stick) list.scrollTop = list.scrollHeight;
}

function renderChannel() {
  const channel = state.channels.find((c) => c.id === state.current);
  if (!channel) return;
  $("#channel-title").textContent = channelTitle(channel);
  $("#channel-topic").textContent = channel.is_im
    ? "Your direct messages with the bot: every message here is for it."
    : "Mention @assistant to ask; it answers in a thread.";
  const messages = conversation(state.current).filter(isTopLevel);
  const empty = `<div class="empty"><h3>This is the very beginning of ${escapeHtml(channelTitle(channel))}</h3>
    <p>Try <code>@assistant what is a Pub/Sub ordering key?</code>, attach a CSV or PDF and ask about it,
    or say <code>@assistant reset</code> in a thread to make it forget the thread.</p></div>`;
  fillList($("#messages"), messages.length ? messages.map((m) => renderMessage(state.current, m, { inThread: false })).join("") : empty);
  composers.channel.setPlaceholder(channel.is_im ? "Message assistant" : `Message #${channel.name}`);
  renderPrompts(channel);
}

function renderThread() {
  const pane = $("#thread");
  const parent = state.thread && state.messages.get(state.current)?.get(state.thread);
  document.body.classList.toggle("thread-open", Boolean(parent));
  if (!parent) {
    pane.hidden = true;
    return;
  }
  pane.hidden = false;
  const channel = state.channels.find((c) => c.id === state.current);
  $("#thread-where").textContent = channelTitle(channel);
  const items = [parent, ...replies(state.current, parent.ts)];
  const status = state.statuses.get(key(state.current, parent.ts));
  const line = statusLine(status, key(state.current, parent.ts));
  fillList($("#thread-messages"), items.map((m) => renderMessage(state.current, m, { inThread: true })).join("") + line);
}

function eventsInView() {
  // The open thread's mentions, else the channel's; newest first.
  const events = [];
  for (const m of conversation(state.current)) {
    const eventId = state.eventOf.get(key(state.current, m.ts));
    if (!eventId) continue;
    if (state.thread && m.ts !== state.thread && m.thread_ts !== state.thread) continue;
    events.push([eventId, m]);
  }
  return events.reverse();
}

function renderTrace() {
  const pane = $("#trace");
  document.body.classList.toggle("trace-open", state.traceOpen);
  $("#trace-toggle").classList.toggle("active", state.traceOpen);
  pane.hidden = !state.traceOpen;
  if (!state.traceOpen) return;
  const events = eventsInView();
  $("#trace-scope").textContent = state.thread ? "this thread's mentions, newest first" : "this conversation's mentions, newest first";
  const cards = events.map(([eventId, m]) =>
    eventCard({
      eventId,
      questionHtml: renderMarkdown(messageText(m), mdContext()),
      deliveries: [...(state.deliveries.get(eventId)?.values() || [])].sort((a, b) => a.attempt - b.attempt),
      records: [...(state.traces.get(eventId)?.values() || [])].sort((a, b) => a.seq - b.seq),
    }),
  );
  const body = $("#trace-body");
  const scroll = body.scrollTop;
  // Live updates re-render the cards: keep the person's expanded "Log lines" open.
  const open = new Set([...body.querySelectorAll(".trace-card")].filter((c) => c.querySelector("details[open]")).map((c) => c.dataset.event));
  body.innerHTML = cards.length ? cards.join("") : `<p class="muted">Mention @assistant and each step shows up here: the signed request Slack sends, the Pub/Sub messages, the model request and the timings.</p>`;
  for (const card of body.querySelectorAll(".trace-card")) {
    if (open.has(card.dataset.event)) card.querySelector("details").open = true;
  }
  body.scrollTop = scroll;
  const card = state.focusEvent && body.querySelector(`[data-event="${CSS.escape(state.focusEvent)}"]`);
  if (card) {
    card.classList.add("focus");
    if (state.scrollToFocus) card.scrollIntoView({ block: "start" });
    state.scrollToFocus = false;
  }
}

function renderInfo() {
  const model = state.info.model || {};
  $("#model-banner").innerHTML = `<b>Answering:</b> ${renderInlineNote(model.note || model.name || "unknown model")}`;
  const delays = (state.info.retry_delays || []).map((d) => `${d} s`).join(", ");
  $("#retry-delays").textContent = delays ? `Retries go out after ${delays} (Slack: at once, 1 min, 5 min). ` : "";
}

function renderInlineNote(note) {
  // The note is plain text from the command line; `code` spans are its only markup.
  return escapeHtml(note).replace(/`([^`]+)`/g, "<code>$1</code>").replace(/(OPENAI_API_KEY=\S+ nox -s dev)/, "<code>$1</code>");
}

function renderAll() {
  renderSidebar();
  renderChannel();
  renderThread();
  renderTrace();
}

// ---- navigation ----------------------------------------------------------------------------

function openChannel(channelId, threadTs = null) {
  if (!state.messages.has(channelId)) channelId = "C0GENERAL";
  state.current = channelId;
  state.thread = threadTs;
  state.unread.delete(channelId);
  const hash = threadTs ? `#${channelId}/${threadTs}` : `#${channelId}`;
  if (location.hash !== hash) history.replaceState(null, "", hash);
  renderAll();
  const list = $("#messages");
  list.scrollTop = list.scrollHeight;
}

function openThread(ts) {
  openChannel(state.current, ts);
  const list = $("#thread-messages");
  list.scrollTop = list.scrollHeight;
  composers.thread.focus();
}

function fromHash() {
  const [channel, thread] = location.hash.slice(1).split("/");
  openChannel(channel || "C0GENERAL", thread || null);
}

// ---- composing -----------------------------------------------------------------------------

function toSlackText(text) {
  // "@assistant" as typed (or picked from the completion) becomes Slack's <@U0BOT>.
  const byName = Object.fromEntries(Object.values(state.users).map((u) => [u.name.toLowerCase(), u.id]));
  return text.replace(/(^|\s)@([\w-]+(?:\.[\w-]+)*)/g, (match, space, name) => (byName[name.toLowerCase()] ? `${space}<@${byName[name.toLowerCase()]}>` : match));
}

async function send({ text, files, threadTs }) {
  const body = { channel: state.current, user: ME, text: toSlackText(text), delivery: $("#delivery-mode").value };
  if (threadTs) body.thread_ts = threadTs;
  if (files.length) body.files = await Promise.all(files.map(readFile));
  const response = await fetch("/_sandbox/messages", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  const result = await response.json();
  if (!result.ok) throw new Error(result.error || `HTTP ${response.status}`);
  // Every channel message is now delivered (message.channels); the bot answers what
  // mentions it, the DM, and may follow threads: those get a "What happened" link.
  const forTheBot = body.text.includes(`<@${BOT}>`) || state.channels.find((c) => c.id === result.channel)?.is_im;
  if (result.event_id && (forTheBot || threadTs)) {
    state.eventOf.set(key(result.channel, result.ts), result.event_id);
    // The bot answers in the thread: open it, so its progress and answer are in view.
    if (!threadTs) openThread(result.ts);
    else scheduleTrace();
  }
  return result;
}

function showError(text) {
  const bar = $("#error");
  bar.textContent = text;
  bar.hidden = !text;
}

// ---- wiring --------------------------------------------------------------------------------

const composers = {};

function wire() {
  const shared = { users: () => state.users, avatar, send, showError };
  composers.channel = new Composer($("#composer"), { ...shared, threadTs: () => null });
  composers.thread = new Composer($("#thread-composer"), { ...shared, threadTs: () => state.thread });
  initAssistantUi({
    send: (text) => send({ text, files: [], threadTs: null }),
    showError,
    current: () => state.channels.find((c) => c.id === state.current),
  });
  document.addEventListener("click", (event) => {
    const feedback = event.target.closest("[data-click-ts]");
    if (feedback) {
      clickAction(feedback);
      return;
    }
    const channelLink = event.target.closest("[data-channel]");
    if (channelLink) {
      event.preventDefault();
      openChannel(channelLink.dataset.channel);
      return;
    }
    const traceLink = event.target.closest(".trace-link");
    if (traceLink) {
      state.traceOpen = true;
      state.focusEvent = traceLink.dataset.event;
      state.scrollToFocus = true;
      if (state.thread !== traceLink.dataset.thread) openThread(traceLink.dataset.thread);
      else renderTrace();
      return;
    }
    const threadLink = event.target.closest("[data-thread]");
    if (threadLink) openThread(threadLink.dataset.thread);
  });
  $("#thread-close").addEventListener("click", () => openChannel(state.current));
  $("#trace-toggle").addEventListener("click", () => {
    state.traceOpen = !state.traceOpen;
    renderTrace();
  });
  $("#trace-close").addEventListener("click", () => {
    state.traceOpen = false;
    renderTrace();
  });
  $("#clear-workspace").addEventListener("click", async () => {
    if (confirm("Delete every message and file in this sandbox workspace?")) {
      // JSON, like every POST to /_sandbox/*: the sandbox refuses anything else (guard.py).
      await fetch("/_sandbox/reset", { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
    }
  });
  window.addEventListener("hashchange", fromHash);
}

async function main() {
  wire();
  connect();
  const [info, snapshot, traces] = await Promise.all([
    getJSON("/_sandbox/info"),
    getJSON("/_sandbox/state"),
    getJSON("/_sandbox/trace"),
  ]);
  state.info = info;
  loadState(snapshot, traces);
  $("#team-name").textContent = info.team.name;
  renderInfo();
  const early = queued;
  queued = null;
  early.forEach(([kind, payload]) => apply(kind, payload));
  fromHash();
  document.body.classList.add("ready");
}

main().catch((error) => showError(`The sandbox did not answer: ${error.message}`));
