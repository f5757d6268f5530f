import { gql } from '../api';
import { diversityChart, FIELD_LABELS, histogram, type DiversitySeries } from '../charts';
import { fmt, h, table } from '../dom';
import { viewerUrl, type Page } from '../router';
import { DATASETS, SPLITS } from './dialogues';

const GROUPS = ['DATASET', 'DOMAIN', 'SPLIT', 'STEREOTYPE', 'SOURCE'];
const TOKENIZERS = ['WHITESPACE', 'WORD', 'GPT2', 'BERT'];

const ROW = `group { key value } dialogues users items catalogueSize utterances tokens avgTurns avgUtterancesPerDialogue avgTokensPerUtterance avgDialoguesPerUser distinctTokens distinctFourGrams
  distributions { field count mean median min max p90 bins { from to count } }`;

const QUERY = `query ViewerStatistics($filter: DialogueFilter, $groupBy: [StatisticsGroup!], $tokenize: StatisticsTokenizer) {
  datasetStatistics(filter: $filter, groupBy: $groupBy, tokenize: $tokenize) {
    tokenizer elapsedMs fourGramCounting
    overall { ${ROW} }
    groups { ${ROW} }
    references { dataset source note dialogues users items utterances avgTurns avgUtterancesPerDialogue avgTokensPerUtterance avgDialoguesPerUser distinctTokens distinctFourGrams }
  }
  stereotypes { key }
}`;

const DIVERSITY = `turns { turn similarity sampled population } method model overall dialogues comparability references { dataset similarity source }`;

/** A diversity selection of the URL (`compare=dataset:pearl,split:TEST`): one more condition on the page's filter. */
function selections(query: URLSearchParams): Array<{ label: string; extra: Record<string, string> }> {
  const raw = (query.get('compare') ?? '').split(',').filter(Boolean);
  const out = raw
    .map((entry) => {
      const [key, ...rest] = entry.split(':');
      const value = rest.join(':');
      return ['dataset', 'split', 'stereotype', 'source'].includes(key) && value ? { label: `${key} ${value}`, extra: { [key]: value } } : null;
    })
    .filter((s): s is { label: string; extra: Record<string, string> } => s !== null);
  return out.length ? out : [{ label: 'selection', extra: {} }];
}

function baseFilter(query: URLSearchParams): Record<string, unknown> {
  const filter: Record<string, unknown> = {};
  for (const k of ['dataset', 'domain', 'split', 'stereotype', 'source']) if (query.get(k)) filter[k] = query.get(k);
  return filter;
}

const groupLabel = (row: any) => row.group.map((g: any) => g.value ?? '(none)').join(' · ') || 'all';

export const statisticsPage: Page = async ({ query, navigate }) => {
  const filter = baseFilter(query);
  const groupBy = (query.get('groupBy') ?? '').split(',').filter((g) => GROUPS.includes(g));
  const tokenize = TOKENIZERS.includes(query.get('tokenize') ?? '') ? query.get('tokenize') : 'WHITESPACE';
  const chosen = selections(query);
  const includeReferences = query.get('refs') === '1';

  const diversityQuery = `query ViewerDiversity(${chosen.map((_, i) => `$f${i}: DialogueFilter`).join(', ')}) { ${chosen
    .map((_, i) => `d${i}: diversity(filter: $f${i}) { ${DIVERSITY} }`)
    .join(' ')} }`;
  const diversityVars = Object.fromEntries(chosen.map((s, i) => [`f${i}`, { ...filter, ...s.extra }]));
  const [stats, diversity] = await Promise.all([gql(QUERY, { filter, groupBy, tokenize }), gql(diversityQuery, diversityVars)]);
  const s = stats.datasetStatistics;

  // The filter form: everything lands in the URL, so the view can be shared.
  const form = h(
    'form',
    { class: 'filters', 'aria-label': 'Statistics options' },
    h('label', null, 'Dataset', h('select', { name: 'dataset' }, h('option', { value: '' }, 'any'), DATASETS.map((d) => h('option', { value: d, selected: d === query.get('dataset') }, d)))),
    h('label', null, 'Domain', h('input', { type: 'text', name: 'domain', value: query.get('domain') ?? '' })),
    h('label', null, 'Split', h('select', { name: 'split' }, h('option', { value: '' }, 'any'), SPLITS.map((d) => h('option', { value: d, selected: d === query.get('split') }, d)))),
    h(
      'label',
      null,
      'Stereotype',
      h('select', { name: 'stereotype' }, h('option', { value: '' }, 'any'), stats.stereotypes.map((st: any) => h('option', { value: st.key, selected: st.key === query.get('stereotype') }, st.key))),
    ),
    h('label', null, 'Tokenizer', h('select', { name: 'tokenize' }, TOKENIZERS.map((t) => h('option', { value: t, selected: t === tokenize }, t)))),
    h('fieldset', null, h('legend', null, 'Group by'), GROUPS.map((g) => h('label', null, h('input', { type: 'checkbox', name: 'groupBy', value: g, checked: groupBy.includes(g) }), g.toLowerCase()))),
    h(
      'fieldset',
      null,
      h('legend', null, 'Diversity: compare'),
      [...DATASETS.map((d) => `dataset:${d}`), ...SPLITS.map((d) => `split:${d}`)].map((c) =>
        h('label', null, h('input', { type: 'checkbox', name: 'compare', value: c, checked: (query.get('compare') ?? '').split(',').includes(c) }), c.split(':')[1]),
      ),
    ),
    h('label', { class: 'inline' }, h('input', { type: 'checkbox', name: 'refs', value: '1', checked: includeReferences }), 'Published references in the y range'),
    h('button', { type: 'submit' }, 'Apply'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const one = (k: string) => String(data.get(k) ?? '');
    navigate(
      viewerUrl('/statistics', {
        dataset: one('dataset'),
        domain: one('domain').trim(),
        split: one('split'),
        stereotype: one('stereotype'),
        tokenize: one('tokenize') === 'WHITESPACE' ? '' : one('tokenize'),
        groupBy: data.getAll('groupBy').join(','),
        compare: data.getAll('compare').join(','),
        refs: data.get('refs') ? '1' : '',
      }),
    );
  });

  const statsRows = [{ ...s.overall, label: 'overall (this selection)', reference: false }, ...s.groups.map((g: any) => ({ ...g, label: groupLabel(g), reference: false }))];
  const refRows = s.references.map((r: any) => ({ ...r, label: `${r.dataset} (published: ${r.source})`, reference: true }));
  const columns = [
    { label: 'Rows', cell: (r: any) => (r.reference ? h('span', { title: r.note ?? '' }, r.label) : r.label) },
    { label: 'Dialogues', numeric: true, cell: (r: any) => fmt.int(r.dialogues) },
    { label: 'Users', numeric: true, cell: (r: any) => fmt.int(r.users) },
    { label: 'Items', numeric: true, cell: (r: any) => fmt.int(r.items) },
    { label: 'Utterances', numeric: true, cell: (r: any) => fmt.int(r.utterances) },
    { label: 'Avg. turns', numeric: true, cell: (r: any) => fmt.num(r.avgTurns) },
    { label: 'Avg. tokens / utterance', numeric: true, cell: (r: any) => fmt.num(r.avgTokensPerUtterance) },
    { label: 'Avg. dialogues / user', numeric: true, cell: (r: any) => fmt.num(r.avgDialoguesPerUser) },
    { label: '#Tokens', numeric: true, cell: (r: any) => fmt.int(r.distinctTokens) },
    { label: '#4-Grams', numeric: true, cell: (r: any) => fmt.int(r.distinctFourGrams) },
  ];
  const statsTable = table(`Corpus statistics (tokenizer ${s.tokenizer}; published values in italics)`, columns, [...statsRows, ...refRows], { id: 'statistics-table' });
  statsTable.querySelectorAll('tbody tr').forEach((tr, i) => {
    if (i >= statsRows.length) tr.classList.add('reference');
  });

  const fields: string[] = s.overall.distributions.map((d: any) => d.field);
  const histograms = fields.map((field) => {
    const series = (s.groups.length ? s.groups.map((g: any) => ({ label: groupLabel(g), row: g })) : [{ label: 'all', row: s.overall }])
      .map(({ label, row }: any) => ({ label, distribution: row.distributions.find((d: any) => d.field === field) }))
      .filter((x: any) => x.distribution && x.distribution.count > 0);
    return series.length ? histogram(field, series) : h('figure', { class: 'chart' }, h('figcaption', null, FIELD_LABELS[field] ?? field), h('p', { class: 'muted' }, 'No observations.'));
  });

  const diversitySeries: DiversitySeries[] = chosen.map((c, i) => ({ label: c.label, method: diversity[`d${i}`].method, turns: diversity[`d${i}`].turns }));
  const first = diversity.d0;
  const diversityTable = table(
    'Diversity by selection',
    [
      { label: 'Selection', cell: (r: any) => r.label },
      { label: 'Dialogues', numeric: true, cell: (r: any) => fmt.int(r.d.dialogues) },
      { label: 'Mean S_t', numeric: true, cell: (r: any) => fmt.num(r.d.overall, 4) },
      { label: 'Method', cell: (r: any) => `${r.d.method} (${r.d.model})` },
    ],
    chosen.map((c, i) => ({ label: c.label, d: diversity[`d${i}`] })),
  );

  return {
    title: 'Statistics',
    content: h(
      'section',
      null,
      h('h1', null, 'Statistics'),
      form,
      h('p', { class: 'muted' }, `Computed in ${fmt.int(s.elapsedMs)} ms over accepted dialogues; 4-grams counted ${s.fourGramCounting}.`),
      statsTable,
      h('h2', null, 'Distributions'),
      h('div', { class: 'charts', id: 'histograms' }, histograms),
      h('h2', null, 'Diversity'),
      h(
        'div',
        { id: 'diversity' },
        diversityChart(diversitySeries, first.references, includeReferences),
        // With TF-IDF the API returns no published values (another scale); say why none are drawn.
        h('p', { class: 'muted', id: 'diversity-comparability' }, first.comparability),
        diversityTable,
      ),
    ),
  };
};
