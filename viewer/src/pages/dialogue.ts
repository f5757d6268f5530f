import { gql } from '../api';
import { badge, facts, fmt, h, link, table } from '../dom';
import { paths, viewerUrl, type Page } from '../router';

const QUERY = `query ViewerDialogue($id: ID!) {
  dialogue(id: $id) {
    id dataset domain split status source strategy model version createdAt targetAsin
    stereotype { key name description }
    targetItem { asin cleanedTitle genres }
    user {
      id sourceId
      stereotype { key }
      history { rating timestamp item { asin cleanedTitle } }
      target { rating timestamp item { asin cleanedTitle } }
    }
    turns { index role text mentions { start end rawId isRecommendation isFirstMention item { asin cleanedTitle } } }
    unresolvedItemIds
    rejections { code detail severity }
    warnings { code detail severity }
    supersedes { id version status }
    supersededBy { id version status }
    provenance {
      model responseModel endpoint role attempts latencyMs finishReason seed promptVersion promptSha256 templateId
      sampling { temperature topP maxTokens seed }
      usage { promptTokens completionTokens totalTokens }
      messages { role content }
      rawResponse
      titleRewrites { start end before after asin method }
      run { id }
    }
    judgements { rubric rubricVersion model rationale createdAt scores { criterion score } utterances { turn scores { criterion score } } run { id } }
  }
}`;

const VERSION = `query ViewerVersion($id: ID!) { dialogue(id: $id) { id version status supersedes { id version status } } }`;

interface Mention {
  start: number;
  end: number;
  rawId: string;
  isRecommendation: boolean;
  item: { asin: string; cleanedTitle: string } | null;
}

/** A turn's text with its mentions as links (recommendations marked, unknown ids flagged). Offsets are UTF-16, as JS strings. */
export function renderTurnText(text: string, mentions: Mention[]): Node[] {
  const out: Node[] = [];
  let at = 0;
  for (const m of [...mentions].sort((a, b) => a.start - b.start)) {
    if (m.start < at || m.end > text.length || m.end < m.start) continue; // overlapping or out of range: leave as text
    if (m.start > at) out.push(document.createTextNode(text.slice(at, m.start)));
    const shown = text.slice(m.start, m.end) || m.item?.cleanedTitle || m.rawId;
    if (m.item) {
      const a = h('a', { class: `mention${m.isRecommendation ? ' rec' : ''}`, href: paths.item(m.item.asin), title: `${m.item.cleanedTitle} (${m.item.asin})${m.isRecommendation ? ' — recommended' : ''}` }, shown);
      out.push(a);
      if (m.isRecommendation) out.push(h('span', { class: 'rec-mark', title: 'recommended' }, '★', h('span', { class: 'sr-only' }, ' recommended')));
    } else {
      out.push(h('mark', { class: 'unresolved', title: `unresolved id ${m.rawId}` }, shown || `<id_${m.rawId}>`));
    }
    at = m.end;
  }
  if (at < text.length) out.push(document.createTextNode(text.slice(at)));
  return out;
}

function issues(title: string, list: Array<{ code: string; detail: string; severity: string }>, kind: string): HTMLElement | null {
  if (!list.length) return null;
  return h('section', { class: 'issues' }, h('h2', null, title), h('ul', null, list.map((i) => h('li', null, badge(i.code, kind), ' ', i.detail))));
}

/** The raw model answer with the title normaliser's rewrites highlighted. */
function rawWithRewrites(raw: string, rewrites: Array<{ start: number; end: number; before: string; after: string; method: string }>): HTMLElement {
  const pre = h('pre', { tabindex: 0, 'aria-label': 'Raw response' });
  let at = 0;
  for (const r of [...rewrites].sort((a, b) => a.start - b.start)) {
    if (r.start < at) continue;
    pre.append(raw.slice(at, r.start), h('mark', { class: 'rewrite', title: `${r.method}: rewritten to ${r.after}` }, raw.slice(r.start, r.end)));
    at = r.end;
  }
  pre.append(raw.slice(at));
  return pre;
}

interface ScoreList {
  criterion: string;
  score: number;
}

/** The judges' scores (issue 15): one table per judgement, per-utterance scores folded away. */
function judgementsSection(judgements: any[]): HTMLElement | null {
  if (!judgements?.length) return null;
  const score = (list: ScoreList[], c: string) => list.find((s) => s.criterion === c)?.score ?? null;
  return h(
    'section',
    { class: 'judgements' },
    h('h2', null, `Judgements (${judgements.length})`),
    judgements.map((j: any) => {
      const criteria: string[] = j.scores.map((s: ScoreList) => s.criterion);
      const label = `${j.rubric} v${j.rubricVersion} · ${j.model}`;
      return h(
        'div',
        null,
        table(label, criteria.map((c) => ({ label: c, numeric: true, cell: (r: any) => fmt.num(score(r.scores, c), 2) })), [j]),
        j.rationale ? h('p', { class: 'muted' }, j.rationale) : null,
        j.utterances
          ? h(
              'details',
              null,
              h('summary', null, `Per utterance (${j.utterances.length})`),
              table(
                `${j.rubric} per utterance`,
                [{ label: 'turn', numeric: true, cell: (u: any) => String(u.turn) }, ...criteria.map((c) => ({ label: c, numeric: true, cell: (u: any) => fmt.num(score(u.scores, c), 0) }))],
                j.utterances,
              ),
            )
          : null,
        j.run ? h('p', { class: 'muted' }, 'Run ', link(viewerUrl('/runs', { run: j.run.id }), j.run.id), ` · ${fmt.date(j.createdAt)}`) : null,
      );
    }),
  );
}

export const dialoguePage: Page = async ({ params }) => {
  const id = params[0];
  const { dialogue: d } = await gql(QUERY, { id });
  if (!d) throw new Error(`No dialogue has the id "${id}".`);

  // The supersedes chain, oldest last: follow it a few steps (each is one small query).
  const older: Array<{ id: string; version: number; status: string }> = [];
  let next = d.supersedes;
  while (next && older.length < 10) {
    older.push(next);
    const { dialogue } = await gql(VERSION, { id: next.id });
    next = dialogue?.supersedes ?? null;
  }
  const versions = [...(d.supersededBy ? [d.supersededBy] : []), { id: d.id, version: d.version, status: d.status, current: true }, ...older];

  const chat = h(
    'ol',
    { class: 'chat', 'aria-label': 'Turns' },
    d.turns.map((t: any) =>
      h('li', { class: `bubble ${t.role}` }, h('span', { class: 'role' }, t.role === 'USER' ? 'USER (seeker)' : 'ASSISTANT (recommender)'), renderTurnText(t.text, t.mentions)),
    ),
  );

  const p = d.provenance;
  const provenance = p
    ? h(
        'section',
        null,
        h('h2', null, 'Provenance'),
        facts([
          ['Model', `${p.model}${p.responseModel && p.responseModel !== p.model ? ` (answered as ${p.responseModel})` : ''}`],
          ['Role', p.role],
          ['Run', link(viewerUrl('/runs', { run: p.run.id }), p.run.id)],
          ['Endpoint', p.endpoint],
          ['Sampling', `temperature ${p.sampling.temperature}, top-p ${p.sampling.topP}, max tokens ${p.sampling.maxTokens}`],
          ['Seed', p.seed ?? '—'],
          ['Attempts', p.attempts],
          ['Latency', `${fmt.int(p.latencyMs)} ms`],
          ['Finish reason', p.finishReason],
          ['Tokens', p.usage ? `${fmt.int(p.usage.promptTokens)} prompt + ${fmt.int(p.usage.completionTokens)} completion` : null],
          ['Prompt version', p.promptVersion],
          ['Prompt SHA-256', h('code', null, p.promptSha256)],
          ['Template', p.templateId],
        ]),
        h('h3', null, 'Prompt messages'),
        p.messages.map((m: any) => h('details', null, h('summary', null, `${m.role} (${fmt.int(m.content.length)} characters)`), h('pre', { tabindex: 0 }, m.content))),
        h('h3', null, `Raw response${p.titleRewrites.length ? ` (${p.titleRewrites.length} title rewrites highlighted)` : ''}`),
        rawWithRewrites(p.rawResponse, p.titleRewrites),
      )
    : h('section', null, h('h2', null, 'Provenance'), h('p', { class: 'muted' }, `Imported from the ${d.dataset} release; no generation record.`));

  const user = d.user;
  const aside = h(
    'aside',
    null,
    h(
      'section',
      null,
      h('h2', null, 'Target'),
      d.targetItem ? link(paths.item(d.targetItem.asin), d.targetItem.cleanedTitle) : d.targetAsin ? h('span', null, `${d.targetAsin} (not in the catalogue)`) : h('span', { class: 'muted' }, 'none'),
      d.targetItem?.genres?.length ? h('p', { class: 'muted' }, d.targetItem.genres.join(', ')) : null,
    ),
    user
      ? h(
          'section',
          null,
          h('h2', null, 'User'),
          link(paths.user(user.id), user.sourceId),
          user.stereotype ? h('p', null, 'Seeded stereotype: ', user.stereotype.key) : null,
          user.target ? h('p', null, 'Target interaction: ', link(paths.item(user.target.item.asin), user.target.item.cleanedTitle), ` (${user.target.rating}★)`) : null,
          h('h3', null, `History (${user.history.length})`),
          h(
            'ol',
            { class: 'history' },
            user.history.map((i: any) => h('li', null, link(paths.item(i.item.asin), i.item.cleanedTitle), h('span', { class: 'muted' }, ` ${i.rating}★`))),
          ),
        )
      : null,
    h(
      'section',
      null,
      h('h2', null, 'Versions'),
      h(
        'ol',
        { class: 'history' },
        versions.map((v: any) => h('li', null, v.current ? h('strong', null, `v${v.version} (this one)`) : link(paths.dialogue(v.id), `v${v.version}`), ' ', badge(v.status))),
      ),
    ),
  );

  return {
    title: `Dialogue ${d.id}`,
    content: h(
      'section',
      null,
      h('h1', null, `Dialogue · ${d.dataset}${d.stereotype ? ` · ${d.stereotype.key}` : ''}`),
      h(
        'p',
        null,
        badge(d.status, d.status === 'ACCEPTED' ? 'ok' : d.status === 'REJECTED' ? 'bad' : ''),
        badge(d.source),
        badge(d.split ?? 'no split'),
        badge(d.domain),
        badge(d.strategy),
        h('span', { class: 'muted' }, ` ${d.id} · created ${fmt.date(d.createdAt)}`),
      ),
      d.unresolvedItemIds.length
        ? h('p', { class: 'error', role: 'note' }, `Unresolved item ids (not in the catalogue): ${d.unresolvedItemIds.join(', ')}`)
        : null,
      issues('Rejection reasons', d.rejections, 'bad'),
      issues('Warnings', d.warnings, 'warn'),
      h('div', { class: 'layout' }, h('div', null, h('h2', null, `Conversation (${d.turns.length} turns)`), chat, judgementsSection(d.judgements), provenance), aside),
    ),
  };
};
