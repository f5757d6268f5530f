/**
 * Small SVG charts written by hand, for files a paper can include (`recdial eval diversity --svg`,
 * `eval stats --svg`) and for `Diversity.svg` in the API. The viewer draws its charts with
 * Observable Plot, but Plot needs a DOM, and the server has none (no jsdom among the
 * dependencies); a line chart and a histogram are a few dozen lines of SVG, so no charting
 * library is pulled into the server for them.
 */

export interface ChartPoint {
  x: number;
  y: number;
  /** Shown next to the point as "n=…" (e.g. the utterances a value rests on). */
  n?: number;
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  /** One series (kept for callers that draw one line). */
  points?: ReadonlyArray<ChartPoint>;
  /** Several named series on one chart, each in its own colour, with a legend. */
  series?: ReadonlyArray<{ label: string; points: ReadonlyArray<ChartPoint> }>;
  /** Labelled horizontal reference lines (e.g. published values). */
  references?: ReadonlyArray<{ label: string; y: number }>;
  /** Widen the y range to include every reference (default: fit the data; references outside are named at the edge). */
  includeReferences?: boolean;
  /** Fixed y range; default: fitted to the data with a margin, on round ticks. */
  yMin?: number;
  yMax?: number;
  width?: number;
  height?: number;
}

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];

export const escapeXml = (text: string) =>
  text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);

// Shortest decimal that still tells ticks apart.
const label = (value: number) => String(Number(value.toFixed(4)));
const f = (n: number) => n.toFixed(1);

/** A 1, 2 or 5 × 10^k step that cuts `span` into about `count` parts. */
export function niceStep(span: number, count = 5): number {
  if (!(span > 0)) return 1;
  const raw = span / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const unit = raw / power;
  return (unit <= 1 ? 1 : unit <= 2 ? 2 : unit <= 5 ? 5 : 10) * power;
}

/** [lo, hi] widened to whole steps, with the step, so that the data never sits on the frame. */
export function niceRange(lo: number, hi: number, count = 5): { min: number; max: number; step: number } {
  if (lo === hi) {
    const pad = Math.abs(lo) * 0.1 || 0.1;
    lo -= pad;
    hi += pad;
  }
  const step = niceStep(hi - lo, count);
  return { min: Math.floor(lo / step) * step, max: Math.ceil(hi / step) * step, step };
}

function frame(width: number, height: number, title: string): string[] {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="15">${escapeXml(title)}</text>`,
  ];
}

function yAxis(parts: string[], box: Box, min: number, max: number, step: number, sy: (y: number) => number): void {
  const ticks = Math.round((max - min) / step);
  for (let i = 0; i <= ticks; i++) {
    const value = min + i * step;
    const y = f(sy(value));
    parts.push(`<line x1="${box.left}" y1="${y}" x2="${box.left + box.w}" y2="${y}" stroke="#e5e5e5"/>`);
    parts.push(`<line x1="${box.left - 5}" y1="${y}" x2="${box.left}" y2="${y}" stroke="black"/>`);
    parts.push(`<text x="${box.left - 8}" y="${y}" text-anchor="end" dominant-baseline="middle">${label(value)}</text>`);
  }
}

function axes(parts: string[], box: Box, width: number, height: number, xLabel: string, yLabel: string): void {
  parts.push(
    `<line x1="${box.left}" y1="${box.top}" x2="${box.left}" y2="${box.top + box.h}" stroke="black"/>`,
    `<line x1="${box.left}" y1="${box.top + box.h}" x2="${box.left + box.w}" y2="${box.top + box.h}" stroke="black"/>`,
    `<text x="${box.left + box.w / 2}" y="${height - 14}" text-anchor="middle">${escapeXml(xLabel)}</text>`,
    `<text x="16" y="${box.top + box.h / 2}" text-anchor="middle" transform="rotate(-90 16 ${box.top + box.h / 2})">${escapeXml(yLabel)}</text>`,
  );
}

interface Box {
  left: number;
  top: number;
  w: number;
  h: number;
}

export function lineChartSvg(options: LineChartOptions): string {
  const width = options.width ?? 720;
  const height = options.height ?? 420;
  const series = options.series ?? [{ label: '', points: options.points ?? [] }];
  const references = options.references ?? [];
  const legend = series.length > 1;
  const box: Box = { left: 64, top: legend ? 40 + 18 * Math.ceil(series.length / 3) : 44, w: 0, h: 0 };
  box.w = width - box.left - 150;
  box.h = height - box.top - 56;
  const all = series.flatMap((s) => s.points);
  const xs = all.map((p) => p.x);
  const xMin = xs.length ? Math.min(...xs) : 0;
  const xMax = xs.length ? Math.max(...xs, xMin + 1) : 1;
  const ys = all.map((p) => p.y);
  if (options.includeReferences) ys.push(...references.map((r) => r.y));
  const fitted = niceRange(ys.length ? Math.min(...ys) : 0, ys.length ? Math.max(...ys) : 1);
  const yMin = options.yMin ?? (options.yMax !== undefined ? 0 : fitted.min);
  const yMax = options.yMax ?? fitted.max;
  const step = options.yMin !== undefined || options.yMax !== undefined ? (yMax - yMin) / 5 : fitted.step;
  const sx = (x: number) => box.left + ((x - xMin) / (xMax - xMin)) * box.w;
  const sy = (y: number) => box.top + box.h - ((y - yMin) / (yMax - yMin || 1)) * box.h;

  const parts = frame(width, height, options.title);
  yAxis(parts, box, yMin, yMax, step, sy);
  // x ticks: every integer position when there are few, else about ten.
  const span = xMax - xMin;
  const xStep = span <= 12 ? 1 : Math.ceil(span / 10);
  for (let x = Math.ceil(xMin); x <= xMax; x += xStep) {
    const px = f(sx(x));
    const baseY = box.top + box.h;
    parts.push(`<line x1="${px}" y1="${baseY}" x2="${px}" y2="${baseY + 5}" stroke="black"/>`);
    parts.push(`<text x="${px}" y="${baseY + 18}" text-anchor="middle">${label(x)}</text>`);
  }
  axes(parts, box, width, height, options.xLabel, options.yLabel);

  // References: a labelled dashed line inside the range; outside it, named at the edge it lies beyond.
  let above = 0;
  let below = 0;
  if (references.length) {
    parts.push(`<text x="${box.left + box.w + 6}" y="${box.top - 12}" fill="#333" font-style="italic">published:</text>`);
  }
  for (const r of references) {
    if (r.y >= yMin && r.y <= yMax) {
      const y = f(sy(r.y));
      parts.push(`<line x1="${box.left}" y1="${y}" x2="${box.left + box.w}" y2="${y}" stroke="#555" stroke-dasharray="6 4"/>`);
      parts.push(`<text x="${box.left + box.w + 6}" y="${y}" dominant-baseline="middle" fill="#333">${escapeXml(`${r.label} ${label(r.y)}`)}</text>`);
    } else if (r.y > yMax) {
      parts.push(`<text x="${box.left + box.w + 6}" y="${box.top + 4 + 14 * above++}" dominant-baseline="hanging" fill="#333">${escapeXml(`↑ ${r.label} ${label(r.y)}`)}</text>`);
    } else {
      parts.push(`<text x="${box.left + box.w + 6}" y="${box.top + box.h - 14 * below++}" fill="#333">${escapeXml(`↓ ${r.label} ${label(r.y)}`)}</text>`);
    }
  }

  series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length];
    if (legend) {
      const lx = box.left + (i % 3) * 200;
      const ly = 40 + 18 * Math.floor(i / 3);
      parts.push(`<rect x="${lx}" y="${ly - 9}" width="12" height="12" fill="${colour}"/>`, `<text x="${lx + 18}" y="${ly + 1}">${escapeXml(s.label)}</text>`);
    }
    if (!s.points.length) return;
    parts.push(`<polyline points="${s.points.map((p) => `${f(sx(p.x))},${f(sy(p.y))}`).join(' ')}" fill="none" stroke="${colour}" stroke-width="2"/>`);
    for (const p of s.points) {
      const counted = p.n === undefined ? '' : ` (n=${p.n})`;
      parts.push(`<circle cx="${f(sx(p.x))}" cy="${f(sy(p.y))}" r="3.5" fill="${colour}"><title>${label(p.x)}: ${p.y.toFixed(4)}${counted}</title></circle>`);
      if (p.n !== undefined) parts.push(`<text x="${f(sx(p.x))}" y="${f(sy(p.y) - 8)}" text-anchor="middle" font-size="10" fill="#333">n=${p.n}</text>`);
    }
  });
  if (!all.length) parts.push(`<text x="${box.left + box.w / 2}" y="${box.top + box.h / 2}" text-anchor="middle" fill="#777">no data</text>`);
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

export interface HistogramOptions {
  title: string;
  xLabel: string;
  /** Half-open bins [from, to); the last may be open-ended (to null). */
  bins: ReadonlyArray<{ from: number; to: number | null; count: number }>;
  /** Drawn as a dashed line and named under the title with the others given. */
  median?: number;
  summary?: string;
  width?: number;
  height?: number;
}

/** Bars over the bins; empty bins past the last observation are left out so the axis ends with the data. */
export function histogramSvg(options: HistogramOptions): string {
  const width = options.width ?? 640;
  const height = options.height ?? 360;
  const box: Box = { left: 64, top: options.summary ? 60 : 44, w: width - 64 - 24, h: 0 };
  box.h = height - box.top - 56;
  let last = options.bins.length - 1;
  while (last > 0 && options.bins[last].count === 0) last--;
  const width0 = options.bins.length > 1 ? options.bins[1].from - options.bins[0].from : 1;
  const bins = options.bins.slice(0, last + 1).map((b) => ({ ...b, to: b.to ?? b.from + width0 }));
  const xMin = bins.length ? bins[0].from : 0;
  const xMax = bins.length ? bins[bins.length - 1].to : 1;
  const y = niceRange(0, Math.max(1, ...bins.map((b) => b.count)));
  const sx = (x: number) => box.left + ((x - xMin) / (xMax - xMin || 1)) * box.w;
  const sy = (v: number) => box.top + box.h - (v / (y.max || 1)) * box.h;

  const parts = frame(width, height, options.title);
  if (options.summary) parts.push(`<text x="${width / 2}" y="44" text-anchor="middle" fill="#444">${escapeXml(options.summary)}</text>`);
  yAxis(parts, box, 0, y.max, y.step, sy);
  for (const b of bins) {
    const x1 = sx(b.from) + 0.5;
    const x2 = sx(b.to) - 0.5;
    parts.push(`<rect x="${f(x1)}" y="${f(sy(b.count))}" width="${f(Math.max(0.5, x2 - x1))}" height="${f(sy(0) - sy(b.count))}" fill="#3b6fc4"><title>[${label(b.from)}, ${label(b.to)}): ${b.count}</title></rect>`);
  }
  const xt = niceRange(xMin, xMax, 8);
  for (let x = xt.min; x <= xMax + 1e-9; x += xt.step) {
    if (x < xMin - 1e-9) continue;
    const px = f(sx(x));
    parts.push(`<line x1="${px}" y1="${box.top + box.h}" x2="${px}" y2="${box.top + box.h + 5}" stroke="black"/>`);
    parts.push(`<text x="${px}" y="${box.top + box.h + 18}" text-anchor="middle">${label(x)}</text>`);
  }
  if (options.median !== undefined && bins.length) {
    const px = f(sx(options.median));
    parts.push(`<line x1="${px}" y1="${box.top}" x2="${px}" y2="${box.top + box.h}" stroke="#a1150b" stroke-dasharray="4 3"><title>median ${label(options.median)}</title></line>`);
  }
  axes(parts, box, width, height, options.xLabel, 'count');
  if (!bins.length) parts.push(`<text x="${box.left + box.w / 2}" y="${box.top + box.h / 2}" text-anchor="middle" fill="#777">no data</text>`);
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
