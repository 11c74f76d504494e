// Slack's AI-app affordances on the page: the loading status under a thread, with its rotating
// loading messages (assistant.threads.setStatus), and the suggested prompts the DM offers
// (assistant.threads.setSuggestedPrompts), as chips above the composer that send the prompt.
// Opening the DM tells the bot, as Slack does: app_home_opened on the Messages tab.
//
// Kept apart from app.js, which calls statusLine(), renderPrompts() and initAssistantUi().

import { escapeHtml } from "./markdown.js";

const ROTATE_MS = 2500; // how long each loading message shows
const prompts = new Map(); // DM channel -> {title, prompts: [{title, message}]}
const rotation = new Map(); // "channel:thread_ts" -> index of the loading message shown
let hooks = { send: async () => {}, showError: () => {} };
let lastChannel = null;

// The status line under a thread: `entry` is a status_set payload (or a plain string).
export function statusLine(entry, where) {
  if (!entry) return "";
  const status = typeof entry === "string" ? { status: entry, loading_messages: [] } : entry;
  const loading = status.loading_messages || [];
  const shown = loading.length ? loading[(rotation.get(where) || 0) % loading.length] : status.status;
  return `<div class="status-line" data-where="${escapeHtml(where)}" data-loading="${escapeHtml(JSON.stringify(loading))}">
    <span class="dots"><i></i><i></i><i></i></span> assistant <span class="status-text">${escapeHtml(shown)}</span></div>`;
}

function rotate() {
  for (const line of document.querySelectorAll(".status-line[data-loading]")) {
    const loading = JSON.parse(line.dataset.loading || "[]");
    if (loading.length < 2) continue;
    const next = ((rotation.get(line.dataset.where) || 0) + 1) % loading.length;
    rotation.set(line.dataset.where, next);
    line.querySelector(".status-text").textContent = loading[next];
  }
}

// Called on each render of the channel view: chips in the DM, nothing elsewhere.
export function renderPrompts(channel) {
  const box = document.querySelector("#suggested-prompts");
  if (channel && channel.is_im && lastChannel !== channel.id) openedDm(channel.id);
  lastChannel = channel ? channel.id : null;
  const offered = channel && channel.is_im ? prompts.get(channel.id) : null;
  if (!box) return;
  box.hidden = !offered || !offered.prompts.length;
  if (box.hidden) return;
  const title = offered.title ? `<span class="muted">${escapeHtml(offered.title)}</span>` : "";
  box.innerHTML = title + offered.prompts
    .map((p) => `<button type="button" class="prompt-chip" data-prompt="${escapeHtml(p.message)}" title="${escapeHtml(p.message)}">${escapeHtml(p.title)}</button>`)
    .join("");
}

async function openedDm(channel) {
  // JSON, like every POST to /_sandbox/*; the sandbox signs and delivers the event.
  try {
    await fetch("/_sandbox/app_home_opened", { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
  } catch (error) {
    hooks.showError(`Opening the DM did not reach the sandbox: ${error.message}`);
  }
}

function offer(record) {
  prompts.set(record.channel, record);
  renderPrompts(hooks.current());
}

export function initAssistantUi(given) {
  hooks = given;
  fetch("/_sandbox/suggested_prompts")
    .then((response) => response.json())
    .then((body) => (body.suggested_prompts || []).forEach(offer))
    .catch(() => {});
  const source = new EventSource("/_sandbox/stream?kinds=suggested_prompts_set,reset");
  source.addEventListener("suggested_prompts_set", (event) => offer(JSON.parse(event.data)));
  source.addEventListener("reset", () => {
    prompts.clear();
    renderPrompts(hooks.current());
  });
  document.addEventListener("click", (event) => {
    const chip = event.target.closest(".prompt-chip");
    if (!chip) return;
    hooks.send(chip.dataset.prompt).catch((error) => hooks.showError(error.message));
  });
  setInterval(rotate, ROTATE_MS);
}
