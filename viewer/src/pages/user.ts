import { gql } from '../api';
import { facts, fmt, h, link, table } from '../dom';
import { paths, viewerUrl, type Page } from '../router';
import { dialogueTable } from './item';

const QUERY = `query ViewerUser($id: ID!) {
  user(id: $id) {
    id sourceId domain
    stereotype { key name }
    target { rating timestamp reviewTitle item { asin cleanedTitle } }
    history { rating timestamp item { asin cleanedTitle } }
    likedItems { asin cleanedTitle }
    dislikedItems { asin cleanedTitle }
    dialogues(first: 25) { totalCount nodes { id dataset split status stereotype { key } user { id sourceId } turns { index } } }
    interactions(first: 100) { totalCount nodes { rating timestamp reviewTitle reviewText item { asin cleanedTitle } } }
  }
}`;

const itemList = (items: Array<{ asin: string; cleanedTitle: string }>) =>
  items.length ? h('ul', null, items.map((i) => h('li', null, link(paths.item(i.asin), i.cleanedTitle)))) : h('p', { class: 'muted' }, 'none');

export const userPage: Page = async ({ params }) => {
  const id = params[0];
  const { user } = await gql(QUERY, { id });
  if (!user) throw new Error(`No user has the id "${id}".`);
  return {
    title: `User ${user.sourceId}`,
    content: h(
      'section',
      null,
      h('h1', null, `User ${user.sourceId}`),
      facts([
        ['Global id', h('code', null, user.id)],
        ['Domain', user.domain],
        ['Seeded stereotype', user.stereotype ? `${user.stereotype.key} (${user.stereotype.name})` : null],
        ['Target', user.target ? [link(paths.item(user.target.item.asin), user.target.item.cleanedTitle), ` ${user.target.rating}★ on ${fmt.date(user.target.timestamp)}`] : null],
      ]),
      h(
        'div',
        { class: 'layout' },
        h(
          'div',
          null,
          h('h2', null, 'Dialogues'),
          dialogueTable('Dialogues of this user', user.dialogues, viewerUrl('/dialogues', { user: user.id, status: 'ANY' })),
          h('h2', null, 'Interactions'),
          table(
            `Ratings and reviews, oldest first (${fmt.int(user.interactions.totalCount)})`,
            [
              { label: 'Item', cell: (i: any) => link(paths.item(i.item.asin), i.item.cleanedTitle) },
              { label: 'Rating', numeric: true, cell: (i: any) => `${i.rating}★` },
              { label: 'When', cell: (i: any) => fmt.date(i.timestamp).slice(0, 10) },
              { label: 'Review', cell: (i: any) => [i.reviewTitle ? h('strong', null, i.reviewTitle, ' ') : null, (i.reviewText ?? '').slice(0, 240)] },
            ],
            user.interactions.nodes,
          ),
        ),
        h(
          'aside',
          null,
          h(
            'section',
            null,
            h('h2', null, `History (${user.history.length})`),
            h('ol', { class: 'history' }, user.history.map((i: any) => h('li', null, link(paths.item(i.item.asin), i.item.cleanedTitle), ` ${i.rating}★`))),
          ),
          h('section', null, h('h2', null, 'Liked'), itemList(user.likedItems)),
          h('section', null, h('h2', null, 'Disliked'), itemList(user.dislikedItems)),
        ),
      ),
    ),
  };
};
