import { gql } from '../api';
import { badge, facts, fmt, h, link, table } from '../dom';
import { paths, viewerUrl, type Page } from '../router';

const DIALOGUE_FIELDS = 'totalCount nodes { id dataset split status stereotype { key } user { id sourceId } turns { index } }';

const QUERY = `query ViewerItem($asin: String!) {
  item(asin: $asin) {
    id asin title cleanedTitle domain genres cast directors keywords countries collection overview visualCaption categories description features
    details { name value }
    asTarget: dialogues(role: TARGET, first: 25, filter: { status: null }) { ${DIALOGUE_FIELDS} }
    asMention: dialogues(role: MENTION, first: 25, filter: { status: null }) { ${DIALOGUE_FIELDS} }
  }
}`;

export function dialogueTable(caption: string, conn: any, more: string | null): HTMLElement {
  return h(
    'div',
    null,
    table(
      `${caption} (${fmt.int(conn.totalCount)})`,
      [
        { label: 'Dialogue', cell: (d: any) => link(paths.dialogue(d.id), `${d.dataset} · ${d.split ?? 'no split'}`) },
        { label: 'Stereotype', cell: (d: any) => d.stereotype?.key ?? '—' },
        { label: 'User', cell: (d: any) => (d.user ? link(paths.user(d.user.id), d.user.sourceId) : '—') },
        { label: 'Turns', numeric: true, cell: (d: any) => d.turns.length },
        { label: 'Status', cell: (d: any) => badge(d.status, d.status === 'REJECTED' ? 'bad' : d.status === 'ACCEPTED' ? 'ok' : '') },
      ],
      conn.nodes,
    ),
    more && conn.totalCount > conn.nodes.length ? h('p', null, link(more, `All ${fmt.int(conn.totalCount)} in the dialogue table →`)) : null,
  );
}

export const itemPage: Page = async ({ params }) => {
  const asin = params[0];
  const { item } = await gql(QUERY, { asin });
  if (!item) throw new Error(`No catalogue item has the ASIN "${asin}".`);
  return {
    title: item.cleanedTitle,
    content: h(
      'section',
      null,
      h('h1', null, item.cleanedTitle),
      facts([
        ['ASIN', h('code', null, item.asin)],
        ['TMDB title', item.title],
        ['Domain', item.domain],
        ['Genres', item.genres.join(', ')],
        ['Directors', item.directors.join(', ')],
        ['Cast', item.cast.join(', ')],
        ['Keywords', item.keywords.join(', ')],
        ['Countries', item.countries.join(', ')],
        ['Collection', item.collection],
        ['Categories', item.categories.join(' › ')],
        ...item.details.map((d: any) => [d.name, d.value] as [string, string]),
      ]),
      item.overview ? h('section', null, h('h2', null, 'Overview'), h('p', null, item.overview)) : null,
      item.description.length ? h('section', null, h('h2', null, 'Description'), item.description.map((p: string) => h('p', null, p))) : null,
      item.features.length ? h('section', null, h('h2', null, 'Features'), h('ul', null, item.features.map((f: string) => h('li', null, f)))) : null,
      item.visualCaption ? h('section', null, h('h2', null, 'Visual caption'), h('p', null, item.visualCaption)) : null,
      h('h2', null, 'Dialogues'),
      dialogueTable('As target', item.asTarget, viewerUrl('/dialogues', { target: item.asin, status: 'ANY' })),
      dialogueTable('As mention', item.asMention, viewerUrl('/dialogues', { item: item.asin, status: 'ANY' })),
    ),
  };
};
