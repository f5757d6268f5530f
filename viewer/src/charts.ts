import * as Plot from '@observablehq/plot';
import { h } from './dom';

/** Observable Plot charts of the viewer; each is an <svg> inside a captioned figure. */

export const FIELD_LABELS: Record<string, string> = {
  utterancesPerDialogue: 'Utterances per dialogue',
  tokensPerUtterance: 'Tokens per utterance',
  tokensPerDialogue: 'Tokens per dialogue',
  itemMentionsPerDialogue: 'Item mentions per dialogue',
  dialoguesPerUser: 'Dialogues per user',
};

export interface Bin {
  from: number;
  to: number | null;
  count: number;
}

export interface Distribution {
  field: string;
  count: number;
  mean: number;
  median: number;
  min: number;
  max: number;
  p90: number;
  bins: Bin[];
}

function figure(caption: string, chart: Element, note?: string): HTMLElement {
  chart.setAttribute('role', 'img');
  chart.setAttribute('aria-label', caption);
  // Plot labels its mark groups with aria-label; inside an image those are prohibited (axe:
  // aria-prohibited-attr) and meaningless to a screen reader, which reads the figure's caption.
  for (const el of chart.querySelectorAll('[aria-label], [aria-description]')) {
    el.removeAttribute('aria-label');
    el.removeAttribute('aria-description');
  }
  return h('figure', { class: 'chart' }, h('figcaption', null, caption), chart, note ? h('p', { class: 'muted' }, note) : null);
}

/**
 * The last bin is open-ended (to: null); draw it as wide as the one before it. Empty bins past
 * the last observation are left out, so that the axis ends where the data does.
 */
function closedBins(bins: Bin[]): Array<Bin & { to: number }> {
  const width = bins.length > 1 ? bins[1].from - bins[0].from : 1;
  let last = bins.length - 1;
  while (last > 0 && bins[last].count === 0) last--;
  return bins.slice(0, last + 1).map((b) => ({ ...b, to: b.to ?? b.from + width }));
}

/** One histogram per field: the overall distribution, or one row per group when grouped. */
export function histogram(field: string, series: Array<{ label: string; distribution: Distribution }>): HTMLElement {
  const rows = series.flatMap((s) => closedBins(s.distribution.bins).map((b) => ({ ...b, group: s.label })));
  const grouped = series.length > 1;
  const chart = Plot.plot({
    width: 460,
    height: grouped ? 80 + 70 * series.length : 220,
    marginLeft: 48,
    marginRight: grouped ? 150 : 20,
    style: { fontSize: '12px', color: '#1a1a1a' },
    x: { label: FIELD_LABELS[field] ?? field },
    y: { label: 'count', grid: true },
    fy: grouped ? { label: null } : undefined,
    marks: [
      Plot.rectY(rows, { x1: 'from', x2: 'to', y: 'count', fy: grouped ? 'group' : undefined, fill: '#3b6fc4', inset: 0.5, tip: true }),
      Plot.ruleX(
        series.map((s) => ({ median: s.distribution.median, group: s.label })),
        { x: 'median', fy: grouped ? 'group' : undefined, stroke: '#a1150b', strokeDasharray: '4,3' },
      ),
      Plot.ruleY([0]),
    ],
  });
  const d = series[0].distribution;
  const short = (n: number) => String(Number(n.toFixed(2)));
  const note = grouped
    ? 'Dashed line: median of each group.'
    : `n = ${d.count}, mean ${short(d.mean)}, median ${short(d.median)} (dashed), p90 ${short(d.p90)}, range ${short(d.min)}–${short(d.max)}`;
  return figure(FIELD_LABELS[field] ?? field, chart, note);
}

export interface DiversitySeries {
  label: string;
  method: string;
  turns: Array<{ turn: number; similarity: number | null; sampled: number; population: number }>;
}

/**
 * S_t by turn for several selections on one chart. The y axis is fitted to the values (they can be
 * 0.03–0.08 with TF-IDF); the published references are drawn as labelled lines when they fall in
 * that range (or always with `includeReferences`), else named in the caption with their values.
 */
export function diversityChart(series: DiversitySeries[], references: Array<{ dataset: string; similarity: number }>, includeReferences: boolean): HTMLElement {
  const points = series.flatMap((s) => s.turns.filter((t) => t.similarity !== null).map((t) => ({ ...t, selection: s.label })));
  const ys = points.map((p) => p.similarity as number);
  let lo = ys.length ? Math.min(...ys) : 0;
  let hi = ys.length ? Math.max(...ys) : 1;
  if (includeReferences) for (const r of references) (lo = Math.min(lo, r.similarity)), (hi = Math.max(hi, r.similarity));
  const pad = Math.max((hi - lo) * 0.12, 0.005);
  const domain: [number, number] = [Math.max(0, lo - pad), Math.min(1, hi + pad)];
  const inside = references.filter((r) => r.similarity >= domain[0] && r.similarity <= domain[1]);
  const outside = references.filter((r) => !inside.includes(r));
  const chart = Plot.plot({
    width: 760,
    height: 380,
    marginLeft: 56,
    marginRight: 130,
    style: { fontSize: '12px', color: '#1a1a1a' },
    x: { label: 'turn position t', tickFormat: 'd', grid: true },
    y: { label: 'S_t (mean pairwise cosine similarity)', domain, grid: true },
    color: { legend: true, scheme: 'tableau10' },
    marks: [
      Plot.ruleY(inside, { y: 'similarity', stroke: '#555', strokeDasharray: '6,4' }),
      Plot.text(inside, { y: 'similarity', frameAnchor: 'right', dx: 4, textAnchor: 'start', text: (r: any) => `${r.dataset} ${r.similarity}\n(published)`, fill: '#333' }),
      // References beyond the fitted range: named at the edge they lie beyond, as in the SVG files.
      Plot.text(outside.filter((r) => r.similarity > domain[1]).length ? [0] : [], {
        frameAnchor: 'top-right',
        dx: 6,
        textAnchor: 'start',
        lineAnchor: 'top',
        fill: '#333',
        text: () => ['published:', ...outside.filter((r) => r.similarity > domain[1]).map((r) => `↑ ${r.dataset} ${r.similarity}`)].join('\n'),
      }),
      Plot.text(outside.filter((r) => r.similarity < domain[0]).length ? [0] : [], {
        frameAnchor: 'bottom-right',
        dx: 6,
        textAnchor: 'start',
        lineAnchor: 'bottom',
        fill: '#333',
        text: () => ['published:', ...outside.filter((r) => r.similarity < domain[0]).map((r) => `↓ ${r.dataset} ${r.similarity}`)].join('\n'),
      }),
      Plot.lineY(points, { x: 'turn', y: 'similarity', stroke: 'selection', strokeWidth: 2 }),
      Plot.dot(points, { x: 'turn', y: 'similarity', fill: 'selection', r: 3.5, tip: true, title: (p: any) => `${p.selection}\nturn ${p.turn}: ${p.similarity.toFixed(4)}\n${p.sampled} of ${p.population} utterances` }),
      Plot.text(points, { x: 'turn', y: 'similarity', text: (p: any) => `n=${p.sampled}`, dy: -10, fontSize: 10, fill: '#333' }),
    ],
  });
  const legend = chart.tagName.toLowerCase() === 'figure' ? chart : null;
  const note =
    (outside.length ? `Published references outside this range are named at its edge (tick "Published references in the y range" to draw them). ` : '') +
    'n = utterances compared at each point. ' +
    (series[0]?.method === 'TFIDF' ? 'TF-IDF similarities are not comparable with the published (embedding) values.' : '');
  return figure('Diversity by turn (lower is more diverse)', legend ?? chart, note);
}

/** Horizontal bars: one per label, value on x. */
export function barChart(caption: string, rows: Array<{ label: string; value: number; group?: string }>, xLabel: string): HTMLElement {
  const grouped = rows.some((r) => r.group);
  const labels = new Set(rows.map((r) => r.label));
  const longest = Math.max(8, ...[...labels].map((l) => l.length));
  // A metric that is 0 everywhere still gets a readable axis.
  // Bars of one label stack (e.g. stereotypes of one code): the axis must reach their sum.
  const sums = new Map<string, number>();
  for (const r of rows) sums.set(r.label, (sums.get(r.label) ?? 0) + r.value);
  const top = Math.max(0, ...sums.values());
  const counts = rows.every((r) => Number.isInteger(r.value));
  const chart = Plot.plot({
    width: 560,
    height: 70 + 26 * labels.size,
    marginLeft: Math.min(320, 16 + longest * 7.6),
    marginRight: 48,
    style: { fontSize: '12px', color: '#1a1a1a' },
    // Counts get whole-number ticks.
    x: { label: xLabel, grid: true, domain: top > 0 ? undefined : [0, 1], ticks: counts && top <= 10 ? Array.from({ length: top + 1 }, (_, i) => i) : undefined },
    y: { label: null },
    color: grouped ? { legend: true, scheme: 'tableau10' } : undefined,
    marks: [
      Plot.barX(rows, { y: 'label', x: 'value', fill: grouped ? 'group' : '#3b6fc4', tip: true, sort: { y: 'x', reduce: 'sum', reverse: true } }),
      // Values at the bar ends; stacked bars show their total.
      Plot.text(grouped ? [...sums].map(([label, value]) => ({ label, value })) : rows, {
        y: 'label',
        x: 'value',
        text: (r: any) => (Number.isInteger(r.value) ? String(r.value) : r.value.toFixed(3)),
        dx: 4,
        textAnchor: 'start',
        fill: '#1a1a1a',
      }),
      Plot.ruleX([0]),
    ],
  });
  return figure(caption, chart);
}
