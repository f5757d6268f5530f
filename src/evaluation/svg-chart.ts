/** A small SVG line chart written by hand (no charting dependency): axes, ticks, labels, one series. */

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  points: ReadonlyArray<{ x: number; y: number }>;
  /** Fixed y range; default: 0 to the largest y (at least 1), rounded up to a tick. */
  yMin?: number;
  yMax?: number;
  width?: number;
  height?: number;
}

const escapeXml = (text: string) =>
  text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);

// Shortest decimal that still tells ticks apart.
const label = (value: number) => String(Number(value.toFixed(3)));

export function lineChartSvg(options: LineChartOptions): string {
  const width = options.width ?? 640;
  const height = options.height ?? 400;
  const margin = { top: 40, right: 24, bottom: 56, left: 64 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const xs = options.points.map((p) => p.x);
  const xMin = xs.length ? Math.min(...xs) : 0;
  const xMax = xs.length ? Math.max(...xs, xMin + 1) : 1;
  const yMin = options.yMin ?? 0;
  const yTop = options.yMax ?? Math.max(1, ...options.points.map((p) => p.y));
  const yTicks = 5;
  const yStep = (yTop - yMin) / yTicks;
  const sx = (x: number) => margin.left + ((x - xMin) / (xMax - xMin)) * plotW;
  const sy = (y: number) => margin.top + plotH - ((y - yMin) / (yTop - yMin || 1)) * plotH;
  const f = (n: number) => n.toFixed(1);

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<title>${escapeXml(options.title)}</title>`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="${margin.top / 2 + 6}" text-anchor="middle" font-size="15">${escapeXml(options.title)}</text>`,
  ];
  // Grid lines and y ticks.
  for (let i = 0; i <= yTicks; i++) {
    const value = yMin + i * yStep;
    const y = f(sy(value));
    parts.push(`<line x1="${margin.left}" y1="${y}" x2="${margin.left + plotW}" y2="${y}" stroke="#e5e5e5"/>`);
    parts.push(`<line x1="${margin.left - 5}" y1="${y}" x2="${margin.left}" y2="${y}" stroke="black"/>`);
    parts.push(`<text x="${margin.left - 8}" y="${y}" text-anchor="end" dominant-baseline="middle">${label(value)}</text>`);
  }
  // x ticks: every integer position when there are few, else about ten.
  const span = xMax - xMin;
  const xStep = span <= 12 ? 1 : Math.ceil(span / 10);
  for (let x = Math.ceil(xMin); x <= xMax; x += xStep) {
    const px = f(sx(x));
    const baseY = margin.top + plotH;
    parts.push(`<line x1="${px}" y1="${baseY}" x2="${px}" y2="${baseY + 5}" stroke="black"/>`);
    parts.push(`<text x="${px}" y="${baseY + 18}" text-anchor="middle">${label(x)}</text>`);
  }
  // Axes and their labels.
  parts.push(
    `<line x1="${margin.left}" y1="${margin.top}" x2="${margin.left}" y2="${margin.top + plotH}" stroke="black"/>`,
    `<line x1="${margin.left}" y1="${margin.top + plotH}" x2="${margin.left + plotW}" y2="${margin.top + plotH}" stroke="black"/>`,
    `<text x="${margin.left + plotW / 2}" y="${height - 14}" text-anchor="middle">${escapeXml(options.xLabel)}</text>`,
    `<text x="16" y="${margin.top + plotH / 2}" text-anchor="middle" transform="rotate(-90 16 ${margin.top + plotH / 2})">${escapeXml(options.yLabel)}</text>`,
  );
  if (options.points.length) {
    const path = options.points.map((p) => `${f(sx(p.x))},${f(sy(p.y))}`).join(' ');
    parts.push(`<polyline points="${path}" fill="none" stroke="#1f77b4" stroke-width="2"/>`);
    for (const p of options.points) {
      parts.push(`<circle cx="${f(sx(p.x))}" cy="${f(sy(p.y))}" r="3.5" fill="#1f77b4"><title>${label(p.x)}: ${p.y.toFixed(4)}</title></circle>`);
    }
  } else {
    parts.push(`<text x="${margin.left + plotW / 2}" y="${margin.top + plotH / 2}" text-anchor="middle" fill="#777">no data</text>`);
  }
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
