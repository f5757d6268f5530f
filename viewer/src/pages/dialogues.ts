import { gql } from '../api';
import { badge, fmt, h, link, table } from '../dom';
import { paths, viewerUrl, type Page } from '../router';

/** The values the schema documents for Dialogue.dataset. */
export const DATASETS = ['distillrecdial', 'llm-redial', 'redial', 'pearl', 'inspired', 'generated'];
export const SPLITS = ['TRAIN', 'VALID', 'TEST'];
const STATUSES = ['ACCEPTED', 'REJECTED', 'SUPERSEDED'];
const SOURCES = ['IMPORTED', 'TEACHER', 'STUDENT', 'SIMULATED'];
const PAGE_SIZE = 25;

/** The query-string keys of the dialogue filter, in the order the form shows them. */
const FILTER_KEYS = ['dataset', 'domain', 'split', 'stereotype', 'status', 'source', 'q', 'item', 'target', 'user', 'run'] as const;

/** The DialogueFilter of a query string; `status=ANY` asks for every status (the API's explicit null). */
export function filterFromQuery(query: URLSearchParams): Record<string, unknown> {
  const filter: Record<string, unknown> = {};
  const get = (k: string) => query.get(k) || undefined;
  if (get('dataset')) filter.dataset = get('dataset');
  if (get('domain')) filter.domain = get('domain');
  if (get('split')) filter.split = get('split');
  if (get('stereotype')) filter.stereotype = get('stereotype');
  if (get('source')) filter.source = get('source');
  if (get('q')) filter.search = get('q');
  if (get('item')) filter.mentionsAsin = get('item');
  if (get('target')) filter.targetAsin = get('target');
  if (get('user')) filter.userId = get('user');
  if (get('run')) filter.generationRunId = get('run');
  const status = get('status');
  if (status === 'ANY') filter.status = null;
  else if (status) filter.status = status;
  return filter;
}

const QUERY = `query ViewerDialogues($filter: DialogueFilter, $first: Int, $after: String, $last: Int, $before: String) {
  dialogues(filter: $filter, first: $first, after: $after, last: $last, before: $before) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    nodes {
      id dataset domain split status source
      stereotype { key }
      targetAsin targetItem { asin cleanedTitle }
      turns { role text }
      recommendedItems { asin }
    }
  }
  stereotypes { key name }
}`;

function select(name: string, label: string, values: string[], current: string | null, anyLabel = 'any'): HTMLElement {
  return h(
    'label',
    null,
    label,
    h('select', { name, id: `f-${name}` }, h('option', { value: '' }, anyLabel), values.map((v) => h('option', { value: v, selected: v === current }, v))),
  );
}

function text(name: string, label: string, current: string | null, placeholder = ''): HTMLElement {
  return h('label', null, label, h('input', { type: name === 'q' ? 'search' : 'text', name, id: `f-${name}`, value: current ?? '', placeholder }));
}

export const dialoguesPage: Page = async ({ query, navigate }) => {
  const filter = filterFromQuery(query);
  const before = query.get('before');
  const after = query.get('after');
  const data = await gql(QUERY, before ? { filter, last: PAGE_SIZE, before } : { filter, first: PAGE_SIZE, after });
  const conn = data.dialogues;

  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Filter dialogues' },
    select('dataset', 'Dataset', DATASETS, query.get('dataset')),
    text('domain', 'Domain', query.get('domain'), 'e.g. Movies_and_TV'),
    select('split', 'Split', SPLITS, query.get('split')),
    select(
      'stereotype',
      'Stereotype',
      data.stereotypes.map((s: { key: string }) => s.key),
      query.get('stereotype'),
    ),
    select('status', 'Status', [...STATUSES, 'ANY'], query.get('status'), 'ACCEPTED (default)'),
    select('source', 'Source', SOURCES, query.get('source')),
    text('q', 'Search turns', query.get('q'), 'words, "phrases", -not'),
    text('item', 'Mentions item (ASIN)', query.get('item')),
    text('target', 'Target (ASIN)', query.get('target')),
    h('button', { type: 'submit' }, 'Apply'),
    h('a', { href: viewerUrl('/dialogues') }, 'Clear'),
  );
  // Hidden filters reached from other pages (a user's or a run's dialogues) stay in the URL.
  for (const k of ['user', 'run'] as const) if (query.get(k)) form.append(h('input', { type: 'hidden', name: k, value: query.get(k) }));
  const apply = (event?: Event) => {
    event?.preventDefault();
    const values = Object.fromEntries(FILTER_KEYS.map((k) => [k, ((form.elements.namedItem(k) as HTMLInputElement | null)?.value ?? '').trim()]));
    navigate(viewerUrl('/dialogues', values));
  };
  form.addEventListener('submit', apply);
  for (const s of form.querySelectorAll('select')) s.addEventListener('change', () => apply());

  const pageQuery = (cursor: Record<string, string>) => {
    const q: Record<string, string> = {};
    for (const k of FILTER_KEYS) if (query.get(k)) q[k] = query.get(k)!;
    return viewerUrl('/dialogues', { ...q, ...cursor });
  };

  const firstUserTurn = (d: any) => d.turns.find((t: any) => t.role === 'USER')?.text ?? '';
  const rows = table(
    `Dialogues (${fmt.int(conn.totalCount)} match)`,
    [
      { label: 'Dialogue', cell: (d: any) => link(paths.dialogue(d.id), `${d.dataset} · ${d.split ?? 'no split'}`) },
      { label: 'Stereotype', cell: (d: any) => d.stereotype?.key ?? h('span', { class: 'muted' }, '—') },
      {
        label: 'Target',
        cell: (d: any) => (d.targetItem ? link(paths.item(d.targetItem.asin), d.targetItem.cleanedTitle) : d.targetAsin ? h('span', { class: 'muted' }, d.targetAsin) : '—'),
      },
      {
        label: 'First user turn',
        cell: (d: any) => {
          const t = firstUserTurn(d);
          return t.length > 140 ? `${t.slice(0, 140)}…` : t;
        },
      },
      { label: 'Turns', numeric: true, cell: (d: any) => d.turns.length },
      { label: 'Recs', numeric: true, cell: (d: any) => d.recommendedItems.length },
      {
        label: 'Status',
        cell: (d: any) => [badge(d.status, d.status === 'ACCEPTED' ? 'ok' : d.status === 'REJECTED' ? 'bad' : ''), badge(d.source)],
      },
    ],
    conn.nodes,
    { id: 'dialogues-table' },
  );

  const pager = h(
    'nav',
    { class: 'pager', 'aria-label': 'Pages of dialogues' },
    conn.pageInfo.hasPreviousPage && conn.pageInfo.startCursor ? link(pageQuery({ before: conn.pageInfo.startCursor }), '← Previous') : h('span', { class: 'muted' }, '← Previous'),
    h('span', { class: 'muted' }, `${conn.nodes.length} shown of ${fmt.int(conn.totalCount)}`),
    conn.pageInfo.hasNextPage && conn.pageInfo.endCursor ? link(pageQuery({ after: conn.pageInfo.endCursor }), 'Next →') : h('span', { class: 'muted' }, 'Next →'),
  );

  return {
    title: 'Dialogues',
    content: h(
      'section',
      null,
      h('h1', null, 'Dialogues'),
      form,
      h('p', { id: 'dialogue-count', role: 'status' }, `${fmt.int(conn.totalCount)} dialogues match.`),
      rows,
      pager,
    ),
  };
};
