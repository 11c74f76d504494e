// The message composer: text with @-mention completion, attachments, Enter to send.

import { escapeHtml } from "./markdown.js";

const $ = (selector, root) => root.querySelector(selector);

export function formatSize(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function readFile(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => {
      const content = String(reader.result);
      resolve({ name: file.name, mimetype: file.type || undefined, content_base64: content.slice(content.indexOf(",") + 1) });
    };
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

export class Composer {
  // threadTs(): the thread to post in, or null; users(): id -> user; avatar(id): HTML;
  // send({text, files, threadTs}): posts, throws on failure; showError(text): "" clears.
  constructor(root, { threadTs, users, avatar, send, showError }) {
    this.root = root;
    this.threadTs = threadTs;
    this.users = users;
    this.avatar = avatar;
    this.send = send;
    this.showError = showError;
    this.files = [];
    this.input = $("textarea", root);
    this.popup = $(".completion", root);
    this.chips = $(".chips", root);
    this.picker = $("input[type=file]", root);
    this.matches = [];
    this.selected = 0;
    $(".attach", root).addEventListener("click", () => this.picker.click());
    this.picker.addEventListener("change", () => {
      this.files.push(...this.picker.files);
      this.picker.value = "";
      this.renderChips();
    });
    this.chips.addEventListener("click", (event) => {
      const index = event.target.closest("[data-index]")?.dataset.index;
      if (index !== undefined) {
        this.files.splice(Number(index), 1);
        this.renderChips();
      }
    });
    root.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
    this.input.addEventListener("input", () => {
      this.autosize();
      this.complete();
    });
    this.input.addEventListener("keydown", (event) => this.keydown(event));
    this.input.addEventListener("blur", () => setTimeout(() => this.closePopup(), 150));
    this.popup.addEventListener("mousedown", (event) => {
      event.preventDefault(); // keep the caret in the textarea
      const item = event.target.closest("[data-index]");
      if (item) this.pick(Number(item.dataset.index));
    });
  }

  setPlaceholder(text) {
    this.input.placeholder = text;
  }

  focus() {
    this.input.focus();
  }

  autosize() {
    this.input.style.height = "auto";
    this.input.style.height = `${Math.min(this.input.scrollHeight, 200)}px`;
  }

  renderChips() {
    this.chips.innerHTML = this.files
      .map((f, i) => `<span class="chip" data-index="${i}" title="remove">${escapeHtml(f.name)} <small>${formatSize(f.size)}</small> ×</span>`)
      .join("");
  }

  token() {
    const before = this.input.value.slice(0, this.input.selectionStart);
    const match = before.match(/(^|\s)@([\w.-]*)$/);
    return match ? { query: match[2].toLowerCase(), start: before.length - match[2].length - 1 } : null;
  }

  complete() {
    const token = this.token();
    const users = Object.values(this.users()).sort((a, b) => Number(b.is_bot) - Number(a.is_bot));
    this.matches = token
      ? users.filter((u) => u.name.toLowerCase().startsWith(token.query) || (u.real_name || "").toLowerCase().startsWith(token.query))
      : [];
    if (!this.matches.length) return this.closePopup();
    this.selected = Math.min(this.selected, this.matches.length - 1);
    this.popup.innerHTML = this.matches
      .map((u, i) => `<li data-index="${i}" class="${i === this.selected ? "selected" : ""}" role="option">
          ${this.avatar(u.id)}<b>${escapeHtml(u.name)}</b><span class="muted">${escapeHtml(u.real_name || "")}</span>${u.is_bot ? '<span class="badge">APP</span>' : ""}</li>`)
      .join("");
    this.popup.hidden = false;
  }

  closePopup() {
    this.popup.hidden = true;
    this.matches = [];
    this.selected = 0;
  }

  pick(index) {
    const token = this.token();
    const user = this.matches[index];
    if (!token || !user) return;
    const value = this.input.value;
    const caret = this.input.selectionStart;
    const inserted = `@${user.name} `;
    this.input.value = value.slice(0, token.start) + inserted + value.slice(caret);
    const position = token.start + inserted.length;
    this.input.setSelectionRange(position, position);
    this.closePopup();
    this.input.focus();
  }

  keydown(event) {
    if (!this.popup.hidden && this.matches.length) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        const step = event.key === "ArrowDown" ? 1 : -1;
        this.selected = (this.selected + step + this.matches.length) % this.matches.length;
        this.complete();
        return;
      }
      if (event.key === "Enter" || event.key === "Tab") {
        event.preventDefault();
        this.pick(this.selected);
        return;
      }
      if (event.key === "Escape") {
        this.closePopup();
        return;
      }
    }
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      this.submit();
    }
  }

  async submit() {
    const text = this.input.value.trim();
    if (!text && !this.files.length) return;
    const files = this.files;
    const button = $("button[type=submit]", this.root);
    button.disabled = true;
    try {
      await this.send({ text, files, threadTs: this.threadTs() });
      this.input.value = "";
      this.files = [];
      this.renderChips();
      this.autosize();
      this.showError("");
    } catch (error) {
      this.showError(`Could not send: ${error.message}`);
    } finally {
      button.disabled = false;
    }
  }
}
