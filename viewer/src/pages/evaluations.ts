import { gql } from '../api';
import { barChart } from '../charts';
import { badge, facts, fmt, h, link, table } from '../dom';
import { viewerUrl, type Page } from '../router';

const QUERY = `query ViewerEvaluations {
  evaluations(first: 25) { totalCount nodes { id kind status progress createdAt finishedAt error results { model } } }
}`;

const DETAIL = `query ViewerEvaluation($id: ID!) {
  evaluation(id: $id) {
    id kind status progress error createdAt startedAt finishedAt createdBy options report
    results { model split stereotype mode family samples repeatedGolds approximate metrics { key value } skipped { reason count } }
    interactive { stereotype conversations metrics { key mean standardError low high n } }
  }
}`;

const rowLabel = (r: any) => [r.model, r.mode, r.split, r.stereotype].filter(Boolean).join(' · ');

export const evaluationsPage: Page = async ({ query }) => {
  const { evaluations } = await gql(QUERY);
  const selectedId = query.get('evaluation') ?? evaluations.nodes[0]?.id ?? null;
  const e = selectedId ? (await gql(DETAIL, { id: selectedId })).evaluation : null;

  const list = table(
    `Evaluations (${fmt.int(evaluations.totalCount)})`,
    [
      { label: 'Evaluation', cell: (x: any) => link(viewerUrl('/evaluations', { evaluation: x.id }), `${x.kind.toLowerCase()} · ${[...new Set(x.results.map((r: any) => r.model))].join(', ') || (x.kind === 'INTERACTIVE' ? 'simulated seekers' : '…')}`) },
      { label: 'Status', cell: (x: any) => badge(x.status, x.status === 'COMPLETED' ? 'ok' : x.status === 'FAILED' ? 'bad' : '') },
      { label: 'Progress', cell: (x: any) => h('progress', { max: 1, value: x.progress, 'aria-label': `progress of evaluation ${x.id}` }) },
      { label: 'Created', cell: (x: any) => fmt.date(x.createdAt) },
    ],
    evaluations.nodes,
    { id: 'evaluations-table' },
  );

  let detail: HTMLElement = h('p', { class: 'muted' }, 'No evaluations yet: run evaluateRecommendations or `recdial eval rec` (see the README).');
  if (e) {
    const keys: string[] = [...new Set<string>(e.results.flatMap((r: any) => r.metrics.map((m: any) => m.key)))];
    const value = (r: any, key: string) => r.metrics.find((m: any) => m.key === key)?.value ?? null;
    // INTERACTIVE evaluations: one row per stereotype (— = all), each metric as mean [95 % interval].
    const interactive = e.interactive
      ? table(
          'Interactive results (mean [95 % interval] over conversations)',
          [
            { label: 'Stereotype', cell: (r: any) => r.stereotype ?? 'all' },
            { label: 'Conversations', numeric: true, cell: (r: any) => fmt.int(r.conversations) },
            ...[...new Set<string>(e.interactive.flatMap((r: any) => r.metrics.map((m: any) => m.key)))].map((k) => ({
              label: k,
              numeric: true,
              cell: (r: any) => {
                const m = r.metrics.find((x: any) => x.key === k);
                if (!m || m.mean === null) return '—';
                return m.low === null ? fmt.num(m.mean, 3) : `${fmt.num(m.mean, 3)} [${fmt.num(m.low, 3)}, ${fmt.num(m.high, 3)}]`;
              },
            })),
          ],
          e.interactive,
          { id: 'interactive-table' },
        )
      : null;
    const results = table(
      'Results (micro means over samples)',
      [
        { label: 'Model', cell: (r: any) => r.model },
        { label: 'Mode', cell: (r: any) => r.mode },
        { label: 'Split', cell: (r: any) => r.split ?? '—' },
        { label: 'Stereotype', cell: (r: any) => r.stereotype ?? '—' },
        { label: 'Samples', numeric: true, cell: (r: any) => fmt.int(r.samples) },
        ...keys.map((k) => ({ label: k, numeric: true, cell: (r: any) => fmt.num(value(r, k), 4) })),
        { label: 'Skipped', cell: (r: any) => r.skipped.map((s: any) => `${s.reason} ${s.count}`).join(', ') },
      ],
      e.results,
      { id: 'results-table' },
    );
    const charts = keys.map((k) =>
      barChart(
        k,
        e.results.filter((r: any) => value(r, k) !== null).map((r: any) => ({ label: rowLabel(r), value: value(r, k) as number })),
        k,
      ),
    );
    detail = h(
      'section',
      { id: 'evaluation-detail' },
      h('h2', null, `Evaluation ${e.id}`),
      facts([
        ['Kind', e.kind],
        ['Status', badge(e.status)],
        ['Error', e.error],
        ['Created', `${fmt.date(e.createdAt)}${e.createdBy ? ` by ${e.createdBy}` : ''}`],
        ['Finished', fmt.date(e.finishedAt)],
      ]),
      ...(interactive ? [interactive] : [results, h('h3', null, 'One chart per metric'), h('div', { class: 'charts', id: 'metric-charts' }, charts)]),
      h('details', null, h('summary', null, 'Options and report'), h('pre', { tabindex: 0 }, JSON.stringify({ options: e.options, report: e.report }, null, 2))),
    );
  }
  return { title: 'Evaluations', content: h('section', null, h('h1', null, 'Evaluations'), list, detail) };
};
