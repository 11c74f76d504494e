// The blocks an AI answer carries besides its text, drawn roughly as Slack draws them: a `table`
// block as a grid with its first row the header, a `data_visualization` block as a titled SVG
// chart (bar, line, area or pie) with a legend. Content is escaped; nothing is executed.
import { escapeHtml } from "./markdown.js";

const PALETTE = ["#1264a3", "#2bac76", "#e8912d", "#e01e5a", "#36c5f0", "#611f69"];
const WIDTH = 420;
const HEIGHT = 200;
const PAD = { left: 44, right: 12, top: 10, bottom: 36 };

export function renderRichBlocks(m) {
  return (m.blocks || [])
    .map((block) => {
      if (block.type === "table") return renderTable(block);
      if (block.type === "data_visualization") return renderChart(block);
      return "";
    })
    .join("");
}

function cellText(cell) {
  if (!cell) return "";
  if (cell.type === "raw_text") return cell.text || "";
  // rich_text: the plain text of its sections' text elements is enough for the sandbox.
  return (cell.elements || [])
    .flatMap((section) => section.elements || [])
    .map((element) => element.text || "")
    .join("");
}

function renderTable(block) {
  const settings = block.column_settings || [];
  const align = (i) => (settings[i] && settings[i].align) || "left";
  const row = (cells, tag) =>
    `<tr>${cells.map((cell, i) => `<${tag} style="text-align:${align(i)}">${escapeHtml(cellText(cell))}</${tag}>`).join("")}</tr>`;
  const [header, ...body] = block.rows || [];
  return `<div class="rich-table" data-block="table"><table>
    <thead>${header ? row(header, "th") : ""}</thead>
    <tbody>${body.map((cells) => row(cells, "td")).join("")}</tbody></table></div>`;
}

function legend(names) {
  return `<div class="chart-legend">${names
    .map((name, i) => `<span><i style="background:${PALETTE[i % PALETTE.length]}"></i>${escapeHtml(name)}</span>`)
    .join("")}</div>`;
}

function renderChart(block) {
  const chart = block.chart || {};
  const svg = chart.type === "pie" ? pieSvg(chart) : axesSvg(chart);
  const names = chart.type === "pie" ? (chart.segments || []).map((s) => s.label) : (chart.series || []).map((s) => s.name);
  return `<figure class="rich-chart" data-block="chart" data-chart="${escapeHtml(chart.type || "")}">
    <figcaption>${escapeHtml(block.title || "")}</figcaption>${svg}${legend(names)}</figure>`;
}

function pieSvg(chart) {
  const segments = chart.segments || [];
  const total = segments.reduce((sum, s) => sum + s.value, 0) || 1;
  const [cx, cy, r] = [HEIGHT / 2, HEIGHT / 2, HEIGHT / 2 - 10];
  let angle = -Math.PI / 2;
  const slices = segments.map((s, i) => {
    const sweep = (s.value / total) * Math.PI * 2;
    const [x1, y1] = [cx + r * Math.cos(angle), cy + r * Math.sin(angle)];
    angle += sweep;
    const [x2, y2] = [cx + r * Math.cos(angle), cy + r * Math.sin(angle)];
    const color = PALETTE[i % PALETTE.length];
    const label = `${escapeHtml(s.label)}: ${s.value}`;
    if (segments.length === 1) return `<circle cx="${cx}" cy="${cy}" r="${r}" fill="${color}"><title>${label}</title></circle>`;
    const large = sweep > Math.PI ? 1 : 0;
    return `<path d="M${cx},${cy} L${x1},${y1} A${r},${r} 0 ${large} 1 ${x2},${y2} Z" fill="${color}"><title>${label}</title></path>`;
  });
  return `<svg viewBox="0 0 ${HEIGHT} ${HEIGHT}" width="${HEIGHT}" height="${HEIGHT}" role="img">${slices.join("")}</svg>`;
}

function axesSvg(chart) {
  const series = chart.series || [];
  const axis = chart.axis_config || {};
  const categories = axis.categories || [];
  const values = series.flatMap((s) => (s.data || []).map((p) => p.value));
  const top = Math.max(0, ...values);
  const bottom = Math.min(0, ...values);
  const span = top - bottom || 1;
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const y = (v) => PAD.top + plotH - ((v - bottom) / span) * plotH;
  const band = plotW / Math.max(1, categories.length);
  const x = (i) => PAD.left + band * (i + 0.5);
  const value = (s, label) => ((s.data || []).find((p) => p.label === label) || {}).value;
  const marks = [];
  if (chart.type === "bar") {
    const barW = (band * 0.8) / Math.max(1, series.length);
    series.forEach((s, si) => categories.forEach((c, ci) => {
      const v = value(s, c);
      if (v === undefined) return;
      const left = PAD.left + band * ci + band * 0.1 + barW * si;
      marks.push(`<rect x="${left}" y="${Math.min(y(v), y(0))}" width="${barW}" height="${Math.abs(y(v) - y(0))}"
        fill="${PALETTE[si % PALETTE.length]}"><title>${escapeHtml(s.name)} · ${escapeHtml(c)}: ${v}</title></rect>`);
    }));
  } else {
    series.forEach((s, si) => {
      const color = PALETTE[si % PALETTE.length];
      const points = categories.map((c, ci) => [x(ci), value(s, c)]).filter(([, v]) => v !== undefined);
      const line = points.map(([px, v]) => `${px},${y(v)}`).join(" ");
      if (chart.type === "area" && points.length) {
        const base = `${points[points.length - 1][0]},${y(0)} ${points[0][0]},${y(0)}`;
        marks.push(`<polygon points="${line} ${base}" fill="${color}" fill-opacity="0.35"/>`);
      }
      marks.push(`<polyline points="${line}" fill="none" stroke="${color}" stroke-width="2"/>`);
    });
  }
  const ticks = categories
    .map((c, ci) => `<text x="${x(ci)}" y="${HEIGHT - PAD.bottom + 14}" text-anchor="middle">${escapeHtml(c)}</text>`)
    .join("");
  const scale = [bottom, top]
    .map((v) => `<text x="${PAD.left - 4}" y="${y(v) + 4}" text-anchor="end">${v}</text>`)
    .join("");
  const labels = [
    axis.x_label ? `<text x="${PAD.left + plotW / 2}" y="${HEIGHT - 4}" text-anchor="middle">${escapeHtml(axis.x_label)}</text>` : "",
    axis.y_label ? `<text x="10" y="${PAD.top + plotH / 2}" transform="rotate(-90 10 ${PAD.top + plotH / 2})" text-anchor="middle">${escapeHtml(axis.y_label)}</text>` : "",
  ].join("");
  return `<svg viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img">
    <line x1="${PAD.left}" y1="${y(0)}" x2="${WIDTH - PAD.right}" y2="${y(0)}" stroke="#ddd"/>
    ${marks.join("")}${ticks}${scale}${labels}</svg>`;
}
