import { diversityChartSvg } from '../../../../src/evaluation/diversity';
import { histogramSvg, lineChartSvg, niceRange } from '../../../../src/evaluation/svg-chart';

/** The y values of the tick labels of a chart (the text right of the y axis ticks). */
function yTicks(svg: string): number[] {
  return [...svg.matchAll(/<text x="\d+(?:\.\d+)?" y="[\d.]+" text-anchor="end" dominant-baseline="middle">([^<]+)<\/text>/g)].map((m) => Number(m[1]));
}

describe('fitted axes', () => {
  test('niceRange widens to round steps around the data', () => {
    expect(niceRange(0.031, 0.079)).toEqual({ min: 0.03, max: 0.08, step: 0.01 });
    expect(niceRange(0, 37)).toEqual({ min: 0, max: 40, step: 10 });
    const flat = niceRange(0.5, 0.5);
    expect(flat.min).toBeLessThan(0.5);
    expect(flat.max).toBeGreaterThan(0.5);
  });

  test('diversity values of 0.03–0.08 fill the chart; the published values are named (under "published:"), with the utterances per point', () => {
    const svg = diversityChartSvg([
      { label: 'selection', method: 'TFIDF', model: 'tfidf', turns: [{ turn: 1, similarity: 0.031, sampled: 40 }, { turn: 2, similarity: 0.079, sampled: 38 }, { turn: 3, similarity: null, sampled: 1 }] },
    ]);
    const ticks = yTicks(svg);
    expect(Math.min(...ticks)).toBeGreaterThanOrEqual(0.03);
    expect(Math.max(...ticks)).toBeLessThanOrEqual(0.08);
    expect(svg.match(/<circle /g)).toHaveLength(2);
    expect(svg).toContain('>n=40</text>');
    expect(svg).toContain('>n=38</text>');
    // Outside the fitted range, the references are named at the top edge with their values.
    expect(svg).toContain('↑ DistillRecDial 0.422');
    expect(svg).toContain('↑ PEARL 0.598');
    expect(svg).toContain('>published:</text>');
  });

  test('with the references in range (or asked for), they are dashed lines; several selections get a legend', () => {
    const turns = (ys: number[]) => ys.map((similarity, i) => ({ turn: i + 1, similarity, sampled: 10 }));
    const svg = diversityChartSvg(
      [
        { label: 'dataset distillrecdial', method: 'EMBEDDINGS', model: 'e5', turns: turns([0.41, 0.45, 0.5]) },
        { label: 'dataset pearl', method: 'EMBEDDINGS', model: 'e5', turns: turns([0.55, 0.6, 0.62]) },
      ],
    );
    expect(svg.match(/stroke-dasharray="6 4"/g)).toHaveLength(2);
    expect(svg).toContain('>DistillRecDial 0.422</text>');
    expect(svg).toContain('>dataset pearl</text>');
    expect(svg.match(/<polyline /g)).toHaveLength(2);
    const wide = lineChartSvg({ title: 't', xLabel: 'x', yLabel: 'y', points: [{ x: 1, y: 0.05 }, { x: 2, y: 0.06 }], references: [{ label: 'ref', y: 0.6 }], includeReferences: true });
    expect(Math.max(...yTicks(wide))).toBeGreaterThanOrEqual(0.6);
    expect(wide).toContain('>ref 0.6</text>');
  });
});

describe('SVG histogram', () => {
  test('one bar per bin up to the last observation, the median dashed, the summary under the title', () => {
    const svg = histogramSvg({
      title: 'Utterances per dialogue',
      xLabel: 'utterances',
      bins: [
        { from: 0, to: 2, count: 1 },
        { from: 2, to: 4, count: 5 },
        { from: 4, to: 6, count: 2 },
        { from: 6, to: 8, count: 0 },
        { from: 8, to: null, count: 0 },
      ],
      median: 3,
      summary: 'n = 8',
    });
    expect(svg.match(/<rect x=/g)).toHaveLength(3);
    expect(svg).toContain('<title>[2, 4): 5</title>');
    expect(svg).toContain('stroke="#a1150b" stroke-dasharray="4 3"');
    expect(svg).toContain('>n = 8</text>');
    expect(Math.max(...yTicks(svg))).toBeGreaterThanOrEqual(5);
  });
});
