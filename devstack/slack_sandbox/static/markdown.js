// A compact, safe Markdown renderer for the sandbox page (written for this project, no library).
//
// Safety: nothing from a message reaches the page as HTML. Every piece of text is escaped as it
// is emitted; the only tags produced are the ones built here, and link targets are limited to
// http(s), mailto and same-origin paths. Covers what Slack renders from `markdown_text`:
// headings, paragraphs, **bold**, *italic*, ~~strike~~, `code`, fenced code blocks, links and
// autolinks, bullet and numbered lists (nested), block quotes, tables, rules; plus Slack's own
// tokens in typed text: <@U123>, <#C123>, <https://x|label>. An unclosed code fence (an answer
// still streaming) renders as code up to the end.

const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

function safeUrl(url) {
  const trimmed = url.trim();
  return /^(https?:\/\/|mailto:|\/(?!\/)|#)/i.test(trimmed) ? trimmed : null;
}

function link(url, innerHtml) {
  const safe = safeUrl(url);
  if (!safe) return innerHtml;
  return `<a href="${escapeHtml(safe)}" target="_blank" rel="noopener noreferrer">${innerHtml}</a>`;
}

// ---- inline ------------------------------------------------------------------------------

const INLINE = [
  // [pattern (sticky), render(match, ctx)]
  [/`([^`\n]+)`/y, (m) => `<code>${escapeHtml(m[1])}</code>`],
  [/\\([\\`*_{}\[\]()#+\-.!~<>|])/y, (m) => escapeHtml(m[1])],
  [/\[([^[\]\n]+)\]\(([^)\s]+)\)/y, (m, ctx) => link(m[2], inline(m[1], ctx))],
  [/<@([UW][A-Z0-9]+)(?:\|[^>]*)?>/y, (m, ctx) => mention(m[1], ctx)],
  [/<#([CDG][A-Z0-9]+)(?:\|([^>]*))?>/y, (m, ctx) => channelRef(m[1], m[2], ctx)],
  [/<!(here|channel|everyone)>/y, (m) => `<span class="mention">@${m[1]}</span>`],
  [/<((?:https?:\/\/|mailto:)[^>|\s]+)(?:\|([^>]*))?>/y, (m, ctx) =>
    link(m[1], m[2] ? inline(m[2], ctx) : escapeHtml(m[1]))],
  [/\*\*(?=\S)([\s\S]+?)\*\*/y, (m, ctx) => `<strong>${inline(m[1], ctx)}</strong>`],
  [/__(?=\S)([\s\S]+?)__(?!\w)/y, (m, ctx) => `<strong>${inline(m[1], ctx)}</strong>`, true],
  [/~~(?=\S)([\s\S]+?)~~/y, (m, ctx) => `<del>${inline(m[1], ctx)}</del>`],
  [/\*(?=[^\s*])([^*\n]+?)\*/y, (m, ctx) => `<em>${inline(m[1], ctx)}</em>`],
  [/_(?=[^\s_])([^_\n]+?)_(?!\w)/y, (m, ctx) => `<em>${inline(m[1], ctx)}</em>`, true],
  [/https?:\/\/[^\s<>"]+[^\s<>".,;:!?)\]'*_~]/y, (m) => link(m[0], escapeHtml(m[0]))],
];
const PLAIN = /[^`\\\[<*_~h\n]+|\n|[\s\S]/y;

function mention(userId, ctx) {
  const name = (ctx.users && ctx.users[userId]) || userId;
  return `<span class="mention" data-user="${escapeHtml(userId)}">@${escapeHtml(name)}</span>`;
}

function channelRef(channelId, label, ctx) {
  const name = label || (ctx.channels && ctx.channels[channelId]) || channelId;
  return `<span class="mention">#${escapeHtml(name)}</span>`;
}

export function inline(text, ctx = {}) {
  let out = "";
  let at = 0;
  outer: while (at < text.length) {
    for (const [pattern, render, wordBoundary] of INLINE) {
      // `_x_` and `__x__` only start at a word boundary (snake_case stays as typed).
      if (wordBoundary && at > 0 && /\w/.test(text[at - 1])) continue;
      pattern.lastIndex = at;
      const match = pattern.exec(text);
      if (match) {
        at += match[0].length; // before render: nested calls reuse these sticky patterns
        out += render(match, ctx);
        continue outer;
      }
    }
    PLAIN.lastIndex = at;
    const plain = PLAIN.exec(text)[0];
    out += plain === "\n" ? "<br>" : escapeHtml(plain);
    at += plain.length;
  }
  return out;
}

// ---- blocks ------------------------------------------------------------------------------

const FENCE = /^ {0,3}(```+|~~~+)\s*([\w+#.-]*)\s*$/;
const HEADING = /^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$/;
const RULE = /^ {0,3}([-*_])(\s*\1){2,}\s*$/;
const QUOTE = /^ {0,3}>\s?(.*)$/;
const ITEM = /^(\s*)([-*+]|\d{1,9}[.)])\s+(.*)$/;
const TABLE_RULE = /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;

function indentOf(line) {
  return line.match(/^\s*/)[0].replace(/\t/g, "    ").length;
}

function cells(line) {
  return line.trim().replace(/^\|/, "").replace(/\|$/, "").split("|").map((c) => c.trim());
}

function isBlockStart(line, next) {
  return (
    FENCE.test(line) || HEADING.test(line) || RULE.test(line) || QUOTE.test(line) ||
    ITEM.test(line) || (line.includes("|") && next !== undefined && TABLE_RULE.test(next))
  );
}

function renderList(lines, start, ctx) {
  const first = lines[start].match(ITEM);
  const baseIndent = indentOf(first[1]);
  const ordered = /\d/.test(first[2]);
  const items = [];
  let i = start;
  while (i < lines.length) {
    const line = lines[i];
    const item = line.match(ITEM);
    if (item && indentOf(item[1]) === baseIndent && /\d/.test(item[2]) === ordered) {
      items.push([item[3]]);
      i += 1;
    } else if (line.trim() === "") {
      // A blank line ends the list unless the next line continues it (indented or a sibling).
      const next = lines[i + 1];
      if (next === undefined || indentOf(next) < baseIndent || (indentOf(next) === baseIndent && !ITEM.test(next))) break;
      items[items.length - 1].push("");
      i += 1;
    } else if (indentOf(line) > baseIndent) {
      items[items.length - 1].push(line.slice(Math.min(indentOf(line), baseIndent + 2)));
      i += 1;
    } else {
      break;
    }
  }
  const tag = ordered ? "ol" : "ul";
  const startAttr = ordered && parseInt(first[2], 10) !== 1 ? ` start="${parseInt(first[2], 10)}"` : "";
  const body = items
    .map((item) => {
      const [head, ...rest] = item;
      const nested = rest.length ? blocks(rest, ctx) : "";
      return `<li>${inline(head, ctx)}${nested}</li>`;
    })
    .join("");
  return [`<${tag}${startAttr}>${body}</${tag}>`, i];
}

function renderTable(lines, start, ctx) {
  const header = cells(lines[start]);
  const aligns = cells(lines[start + 1]).map((c) =>
    c.startsWith(":") && c.endsWith(":") ? "center" : c.endsWith(":") ? "right" : "");
  const cell = (tag, text, k) =>
    `<${tag}${aligns[k] ? ` style="text-align:${aligns[k]}"` : ""}>${inline(text, ctx)}</${tag}>`;
  let i = start + 2;
  const rows = [];
  while (i < lines.length && lines[i].includes("|") && lines[i].trim() !== "") {
    rows.push(`<tr>${cells(lines[i]).map((c, k) => cell("td", c, k)).join("")}</tr>`);
    i += 1;
  }
  const head = `<tr>${header.map((c, k) => cell("th", c, k)).join("")}</tr>`;
  return [`<table><thead>${head}</thead><tbody>${rows.join("")}</tbody></table>`, i];
}

function blocks(lines, ctx) {
  let out = "";
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    let m;
    if (line.trim() === "") {
      i += 1;
    } else if ((m = line.match(FENCE))) {
      const fence = m[1];
      const body = [];
      i += 1;
      while (i < lines.length && !lines[i].trim().startsWith(fence)) body.push(lines[i++]);
      i += 1; // the closing fence (or the end of a still-streaming answer)
      const lang = m[2] ? ` data-lang="${escapeHtml(m[2])}"` : "";
      out += `<pre${lang}><code>${escapeHtml(body.join("\n"))}</code></pre>`;
    } else if ((m = line.match(HEADING))) {
      const level = m[1].length;
      out += `<h${level}>${inline(m[2], ctx)}</h${level}>`;
      i += 1;
    } else if (RULE.test(line)) {
      out += "<hr>";
      i += 1;
    } else if (QUOTE.test(line)) {
      const quoted = [];
      while (i < lines.length && (m = lines[i].match(QUOTE))) {
        quoted.push(m[1]);
        i += 1;
      }
      out += `<blockquote>${blocks(quoted, ctx)}</blockquote>`;
    } else if (ITEM.test(line)) {
      const [html, next] = renderList(lines, i, ctx);
      out += html;
      i = next;
    } else if (line.includes("|") && TABLE_RULE.test(lines[i + 1] || "") && lines[i + 1].includes("-")) {
      const [html, next] = renderTable(lines, i, ctx);
      out += html;
      i = next;
    } else {
      const paragraph = [line];
      i += 1;
      while (i < lines.length && lines[i].trim() !== "" && !isBlockStart(lines[i], lines[i + 1])) {
        paragraph.push(lines[i++]);
      }
      out += `<p>${inline(paragraph.join("\n"), ctx)}</p>`;
    }
  }
  return out;
}

// ctx: {users: {U123: "name"}, channels: {C123: "general"}} for Slack's <@U123> / <#C123>.
export function renderMarkdown(text, ctx = {}) {
  return blocks(String(text || "").replace(/\r\n?/g, "\n").split("\n"), ctx);
}
