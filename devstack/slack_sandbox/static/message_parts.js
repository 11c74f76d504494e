// The parts of a message the page draws from its own fields, as Slack draws them: its text
// (markdown, or the blocks Slack shows instead of the fallback text), its files, and its buttons
// (a routine's Confirm, an approval's Approve / Deny, the feedback thumbs). Content is escaped.
import { escapeHtml } from "./markdown.js";
import { formatSize } from "./composer.js";

export function messageText(m) {
  if (m.markdown_text) return m.markdown_text;
  const markdownBlocks = (m.blocks || []).filter((b) => b.type === "markdown").map((b) => b.text);
  if (markdownBlocks.length) return markdownBlocks.join("\n\n");
  // Section and context blocks are what Slack shows; the text is then only the fallback.
  const sections = (m.blocks || []).flatMap(sectionText);
  if (sections.length) return sections.join("\n\n");
  return m.text || "";
}

function sectionText(block) {
  if (block.type === "section" && block.text) {
    const text = block.text.text || "";
    return [block.text.type === "plain_text" ? "```\n" + text + "\n```" : text];
  }
  if (block.type === "context") return (block.elements || []).filter((e) => e.text).map((e) => `_${e.text}_`);
  return [];
}

export function renderFiles(m) {
  if (!m.files || !m.files.length) return "";
  const items = m.files.map((f) => {
    const href = `/_sandbox/files/${encodeURIComponent(f.id)}/content`;
    const preview = (f.mimetype || "").startsWith("image/") ? `<img src="${escapeHtml(href)}" alt="">` : `<span class="file-icon">${escapeHtml((f.filetype || "file").slice(0, 4).toUpperCase())}</span>`;
    return `<a class="file" href="${escapeHtml(href)}" download="${escapeHtml(f.name)}" target="_blank">
      ${preview}<span><b>${escapeHtml(f.name)}</b><small>${escapeHtml(f.pretty_type || f.mimetype)} · ${formatSize(f.size || 0)}</small></span></a>`;
  });
  return `<div class="files">${items.join("")}</div>`;
}

// context_actions blocks with feedback_buttons: the 👍 / 👎 Slack shows under an AI answer;
// actions blocks with buttons.
const THUMB_PATH = "M2 7h3v8H2zM6 15h6.5a1.5 1.5 0 0 0 1.5-1.3l.9-5A1.5 1.5 0 0 0 13.4 7H10V3.5A1.5 1.5 0 0 0 8.5 2L6 7z";
const THUMB = {
  positive_button: `<svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true"><path d="${THUMB_PATH}"/></svg>`,
  negative_button: `<svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" style="transform: rotate(180deg)"><path d="${THUMB_PATH}"/></svg>`,
};
export function renderBlockActions(channel, m, chosenValue) {
  const buttons = [];
  for (const block of m.blocks || []) {
    if (block.type === "actions") {
      // Plain buttons (a routine's Confirm / Cancel), sent back as Slack sends a click.
      for (const element of block.elements || []) {
        if (element.type !== "button") continue;
        buttons.push(`<button class="feedback block-button" data-click-channel="${escapeHtml(channel)}" data-click-ts="${escapeHtml(m.ts)}"
          data-action="${escapeHtml(element.action_id || "")}" data-value="${escapeHtml(element.value || "")}">${escapeHtml((element.text || {}).text || "")}</button>`);
      }
      continue;
    }
    if (block.type !== "context_actions") continue;
    for (const element of block.elements || []) {
      if (element.type !== "feedback_buttons") continue;
      for (const half of ["positive_button", "negative_button"]) {
        const button = element[half] || {};
        const chosen = chosenValue === button.value;
        // Slack draws a thumb icon and shows the text as the button's label.
        buttons.push(`<button class="feedback${chosen ? " chosen" : ""}" data-half="${half}" data-click-channel="${escapeHtml(channel)}" data-click-ts="${escapeHtml(m.ts)}"
          data-action="${escapeHtml(element.action_id || "")}" data-value="${escapeHtml(button.value || "")}"
          title="${escapeHtml(button.accessibility_label || "")}">${THUMB[half]}<span>${escapeHtml((button.text || {}).text || "")}</span></button>`);
      }
    }
  }
  return buttons.length ? `<div class="block-actions">${buttons.join("")}</div>` : "";
}
