// What a natively streamed answer shows besides its text: the task cards its task_update chunks
// draw (one card per task id, updated live as its status moves pending → in_progress →
// complete | error, with the output and URL sources), and the buttons its `blocks` chunks carry
// (the bot's Stop button), clicked like any other block action.

import { escapeHtml } from "./markdown.js";

const TASK_ICON = { pending: "○", in_progress: "◌", complete: "✓", error: "✕" };

export function renderTasks(m) {
  const tasks = new Map(); // id -> its latest update, in the order tasks first appeared
  for (const chunk of m.chunks || []) {
    if (chunk.type === "task_update") tasks.set(chunk.id, chunk);
  }
  if (!tasks.size) return "";
  const cards = [...tasks.values()].map((task) => {
    const sources = (task.sources || [])
      .filter((s) => /^https?:\/\//.test(s.url || ""))
      .map((s) => `<a href="${escapeHtml(s.url)}" target="_blank" rel="noopener">${escapeHtml(s.text || s.url)}</a>`)
      .join("");
    return `<div class="task-card ${escapeHtml(task.status)}" data-task="${escapeHtml(task.id)}" data-status="${escapeHtml(task.status)}">
      <span class="task-icon">${TASK_ICON[task.status] || "?"}</span>
      <span class="task-title">${escapeHtml(task.title)}</span>
      ${task.output ? `<div class="task-output">${escapeHtml(task.output)}</div>` : ""}
      ${sources ? `<div class="task-sources">${sources}</div>` : ""}
    </div>`;
  });
  return `<div class="tasks">${cards.join("")}</div>`;
}

export function renderStreamControls(channel, m) {
  const buttons = [];
  for (const chunk of m.chunks || []) {
    if (chunk.type !== "blocks") continue;
    for (const block of chunk.blocks || []) {
      if (block.type !== "actions") continue;
      for (const element of block.elements || []) {
        if (element.type !== "button") continue;
        const over = m.stream_state !== "streaming";
        buttons.push(`<button class="stream-control${element.style === "danger" ? " danger" : ""}"${over ? " disabled" : ""}
          data-click-channel="${escapeHtml(channel)}" data-click-ts="${escapeHtml(m.ts)}"
          data-action="${escapeHtml(element.action_id || "")}" data-value="${escapeHtml(element.value || "")}"
          title="${escapeHtml(element.accessibility_label || "")}">${escapeHtml((element.text || {}).text || "")}</button>`);
      }
    }
  }
  return buttons.length ? `<div class="stream-controls">${buttons.join("")}</div>` : "";
}
