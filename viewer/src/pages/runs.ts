import { gql, GraphQLRequestError, operatorKey, subscribe } from '../api';
import { barChart } from '../charts';
import { badge, errorBox, facts, fmt, h, link, table } from '../dom';
import { viewerUrl, type Page } from '../router';

const RUN = `id kind role status strategy model endpoint priority reason requested accepted rejected failed pending acceptanceRate createdAt startedAt finishedAt createdBy
  counts { accepted rejected failed pending running cancelled skipped superseded }
  sampling { temperature topP maxTokens seed }`;

const QUERY = `query ViewerRuns {
  generationRuns(first: 25) { totalCount nodes { ${RUN} } }
  exports(first: 25) { totalCount nodes { id status format progress error createdAt finishedAt createdBy files { name bytes } } }
}`;

const DETAIL = `query ViewerRun($id: ID!) {
  generationRun(id: $id) { ${RUN} rejectionsByCode { code stereotype count } errors(first: 20) { at attempt code httpStatus jobId message retried } }
}`;

const RUN_UPDATED = `subscription ViewerRunUpdated($id: ID!) { generationRunUpdated(id: $id) { ${RUN} } }`;
const EXPORT_UPDATED = `subscription ViewerExportUpdated($id: ID!) { exportUpdated(id: $id) { id status progress error files { name bytes } } }`;
const DOWNLOAD_URL = `query ViewerDownloadUrl($id: ID!) { export(id: $id) { id status downloadUrl(expiresIn: 120) } }`;

const live = (status: string) => status === 'QUEUED' || status === 'RUNNING';
const statusBadge = (status: string) => badge(status, status === 'COMPLETED' ? 'ok' : status === 'FAILED' ? 'bad' : status === 'CANCELLED' ? 'warn' : '');

function progressCell(done: number, total: number, label: string): HTMLElement {
  return h('span', null, h('progress', { max: Math.max(total, 1), value: done, 'aria-label': label }), ` ${fmt.int(done)} / ${fmt.int(total)}`);
}

function runDone(run: any): number {
  const c = run.counts;
  return c.accepted + c.rejected + c.failed + c.cancelled + c.skipped;
}

/** Mints a signed link with the saved operator key and follows it; the browser saves the zip. */
async function download(id: string, message: HTMLElement): Promise<void> {
  message.textContent = '';
  if (!operatorKey()) {
    message.replaceChildren(errorBox('Downloads need an operator API key: open Settings (top right) and save one.'));
    return;
  }
  try {
    const { export: found } = await gql(DOWNLOAD_URL, { id });
    if (!found?.downloadUrl) throw new Error(`export ${id} is ${found?.status ?? 'gone'}; only COMPLETED exports can be downloaded`);
    const a = h('a', { href: found.downloadUrl, download: '' });
    document.body.append(a);
    a.click();
    a.remove();
    message.textContent = 'Download started.';
  } catch (error) {
    const hint = error instanceof GraphQLRequestError && (error.code === 'FORBIDDEN' || error.code === 'UNAUTHENTICATED') ? ' (is the saved key an operator key?)' : '';
    message.replaceChildren(errorBox(`${(error as Error).message}${hint}`));
  }
}

export const runsPage: Page = async ({ query, onLeave }) => {
  const data = await gql(QUERY);
  const runs = data.generationRuns.nodes;
  const selectedId = query.get('run') ?? runs[0]?.id ?? null;
  const detail = selectedId ? (await gql(DETAIL, { id: selectedId })).generationRun : null;

  const runRows = new Map<string, HTMLTableRowElement>();
  const runsTable = table(
    `Generation runs (${fmt.int(data.generationRuns.totalCount)})`,
    [
      { label: 'Run', cell: (r: any) => link(viewerUrl('/runs', { run: r.id }), `${r.kind.toLowerCase()} · ${r.role.toLowerCase()} · ${r.model}`) },
      { label: 'Status', cell: (r: any) => statusBadge(r.status) },
      { label: 'Progress', cell: (r: any) => progressCell(runDone(r), r.requested, `progress of run ${r.id}`) },
      { label: 'Accepted', numeric: true, cell: (r: any) => fmt.int(r.counts.accepted) },
      { label: 'Rejected', numeric: true, cell: (r: any) => fmt.int(r.counts.rejected) },
      { label: 'Failed', numeric: true, cell: (r: any) => fmt.int(r.counts.failed) },
      { label: 'Pending', numeric: true, cell: (r: any) => fmt.int(r.counts.pending) },
      { label: 'Acceptance', numeric: true, cell: (r: any) => fmt.pct(r.acceptanceRate) },
      { label: 'Created', cell: (r: any) => fmt.date(r.createdAt) },
    ],
    runs,
    { id: 'runs-table' },
  );
  runsTable.querySelectorAll('tbody tr').forEach((tr, i) => runs[i] && runRows.set(runs[i].id, tr as HTMLTableRowElement));

  // Live progress: the rows of unfinished runs follow generationRunUpdated over graphql-ws.
  for (const run of runs.filter((r: any) => live(r.status))) {
    const stop = subscribe<any>(
      RUN_UPDATED,
      { id: run.id },
      ({ generationRunUpdated: r }) => {
        const tr = runRows.get(r.id);
        if (!tr) return;
        const cells = tr.children;
        cells[1].replaceChildren(statusBadge(r.status));
        cells[2].replaceChildren(progressCell(runDone(r), r.requested, `progress of run ${r.id}`));
        cells[3].textContent = fmt.int(r.counts.accepted);
        cells[4].textContent = fmt.int(r.counts.rejected);
        cells[5].textContent = fmt.int(r.counts.failed);
        cells[6].textContent = fmt.int(r.counts.pending);
        cells[7].textContent = fmt.pct(r.acceptanceRate);
      },
      (error) => console.warn('run subscription ended', error),
    );
    onLeave(stop);
  }

  const runDetail = detail
    ? h(
        'section',
        { id: 'run-detail' },
        h('h2', null, `Run ${detail.id}`),
        facts([
          ['Status', statusBadge(detail.status)],
          ['Kind', `${detail.kind} (${detail.strategy})`],
          ['Model', `${detail.model} at ${detail.endpoint}`],
          ['Sampling', `temperature ${detail.sampling.temperature}, top-p ${detail.sampling.topP}, max tokens ${detail.sampling.maxTokens}, seed ${detail.sampling.seed ?? '—'}`],
          ['Reason', detail.reason],
          ['Created by', detail.createdBy],
          ['Started', fmt.date(detail.startedAt)],
          ['Finished', fmt.date(detail.finishedAt)],
          ['Dialogues', link(viewerUrl('/dialogues', { run: detail.id, status: 'ANY' }), 'all dialogues of this run')],
        ]),
        h(
          'div',
          { class: 'cards' },
          Object.entries(detail.counts).map(([k, v]) => h('div', { class: 'card' }, h('span', { class: 'n' }, fmt.int(v as number)), h('span', { class: 'l' }, k))),
        ),
        detail.rejectionsByCode.length
          ? barChart(
              'Rejections by check code and stereotype',
              detail.rejectionsByCode.map((r: any) => ({ label: r.code, value: r.count, group: r.stereotype ?? '(no stereotype)' })),
              'rejected dialogues',
            )
          : h('p', { class: 'muted' }, 'No rejections.'),
        table(
          'Errors (newest first)',
          [
            { label: 'When', cell: (e: any) => fmt.date(e.at) },
            { label: 'Job', numeric: true, cell: (e: any) => e.jobId },
            { label: 'Attempt', numeric: true, cell: (e: any) => e.attempt },
            { label: 'Code', cell: (e: any) => badge(e.code, 'bad') },
            { label: 'HTTP', numeric: true, cell: (e: any) => e.httpStatus ?? '—' },
            { label: 'Message', cell: (e: any) => e.message ?? '' },
            { label: 'Retried', cell: (e: any) => (e.retried ? 'yes' : 'no') },
          ],
          detail.errors,
        ),
      )
    : h('p', { class: 'muted' }, 'No generation runs yet: start one with enqueueGeneration (see the README).');

  const exports = data.exports.nodes;
  const message = h('div', { role: 'status', id: 'download-status' });
  const exportRows = new Map<string, HTMLTableRowElement>();
  const downloadButton = (e: any) =>
    h('button', { type: 'button', class: 'download', disabled: e.status !== 'COMPLETED', 'data-export': e.id, onclick: () => void download(e.id, message) }, 'Download zip');
  const exportsTable = table(
    `Exports (${fmt.int(data.exports.totalCount)})`,
    [
      { label: 'Export', cell: (e: any) => h('code', null, e.id) },
      { label: 'Format', cell: (e: any) => e.format },
      { label: 'Status', cell: (e: any) => [statusBadge(e.status), e.error ? h('span', { class: 'muted' }, ` ${e.error}`) : null] },
      { label: 'Progress', cell: (e: any) => h('progress', { max: 1, value: e.progress, 'aria-label': `progress of export ${e.id}` }) },
      { label: 'Files', cell: (e: any) => e.files.map((f: any) => `${f.name} (${fmt.int(f.bytes)} B)`).join(', ') },
      { label: 'Created', cell: (e: any) => fmt.date(e.createdAt) },
      { label: 'Download', cell: downloadButton },
    ],
    exports,
    { id: 'exports-table' },
  );
  exportsTable.querySelectorAll('tbody tr').forEach((tr, i) => exports[i] && exportRows.set(exports[i].id, tr as HTMLTableRowElement));
  for (const e of exports.filter((x: any) => live(x.status))) {
    onLeave(
      subscribe<any>(
        EXPORT_UPDATED,
        { id: e.id },
        ({ exportUpdated: x }) => {
          const cells = exportRows.get(x.id)?.children;
          if (!cells) return;
          cells[2].replaceChildren(statusBadge(x.status), x.error ? h('span', { class: 'muted' }, ` ${x.error}`) : '');
          cells[3].replaceChildren(h('progress', { max: 1, value: x.progress, 'aria-label': `progress of export ${x.id}` }));
          cells[4].textContent = x.files.map((f: any) => `${f.name} (${fmt.int(f.bytes)} B)`).join(', ');
          cells[6].replaceChildren(downloadButton(x));
        },
        (error) => console.warn('export subscription ended', error),
      ),
    );
  }

  return {
    title: 'Runs and exports',
    content: h(
      'section',
      null,
      h('h1', null, 'Generation runs and exports'),
      runsTable,
      runDetail,
      h('h2', null, 'Exports'),
      h('p', { class: 'muted' }, operatorKey() ? 'Downloads use a signed link minted with your operator key (valid 2 minutes).' : 'Save an operator key in Settings to download exports.'),
      exportsTable,
      message,
    ),
  };
};
