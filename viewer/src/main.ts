import './style.css';
import { operatorKey, operatorKeyRemembered, setOperatorKey } from './api';
import { errorBox, h } from './dom';
import { dialoguePage } from './pages/dialogue';
import { dialoguesPage } from './pages/dialogues';
import { evaluationsPage } from './pages/evaluations';
import { itemPage } from './pages/item';
import { runsPage } from './pages/runs';
import { statisticsPage } from './pages/statistics';
import { userPage } from './pages/user';
import { BASE, type Page } from './router';

const main = document.getElementById('main') as HTMLElement;

function route(pathname: string): { name: string; page: Page; params: string[] } {
  const rest = pathname.startsWith(BASE) ? pathname.slice(BASE.length) : pathname;
  const [name = '', ...params] = rest.split('/').filter(Boolean).map(decodeURIComponent);
  switch (name) {
    case '':
    case 'dialogues':
      return params.length ? { name: 'dialogue', page: dialoguePage, params } : { name: 'dialogues', page: dialoguesPage, params };
    case 'items':
      return { name: 'item', page: itemPage, params };
    case 'users':
      return { name: 'user', page: userPage, params };
    case 'statistics':
      return { name: 'statistics', page: statisticsPage, params };
    case 'runs':
      return { name: 'runs', page: runsPage, params };
    case 'evaluations':
      return { name: 'evaluations', page: evaluationsPage, params };
    default:
      return {
        name: 'not-found',
        page: async () => ({ title: 'Not found', content: h('section', null, h('h1', null, 'No such page'), h('p', null, `${pathname} is not a page of the viewer.`)) }),
        params,
      };
  }
}

let leave: Array<() => void> = [];
let generation = 0;

async function render(options: { focus: boolean }): Promise<void> {
  for (const fn of leave) fn();
  leave = [];
  const current = ++generation;
  const { name, page, params } = route(location.pathname);
  main.dataset.page = name;
  main.dataset.state = 'loading';
  main.setAttribute('aria-busy', 'true');
  for (const a of document.querySelectorAll<HTMLAnchorElement>('header nav a')) {
    const target = new URL(a.href).pathname;
    if (target === `${BASE}/${name}` || (name === 'dialogue' && target === `${BASE}/dialogues`)) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const stale = main.firstElementChild;
  if (stale) stale.classList.add('stale');
  try {
    const { title, content } = await page({
      params,
      query: new URLSearchParams(location.search),
      onLeave: (fn) => (current === generation ? leave.push(fn) : fn()),
      navigate,
    });
    if (current !== generation) return;
    document.title = `${title} · recdial viewer`;
    main.replaceChildren(content);
    main.dataset.state = 'ready';
  } catch (error) {
    if (current !== generation) return;
    document.title = 'Error · recdial viewer';
    main.replaceChildren(h('section', null, h('h1', null, 'This page could not be loaded'), errorBox(error)));
    main.dataset.state = 'error';
  }
  main.removeAttribute('aria-busy');
  if (options.focus) main.focus({ preventScroll: false });
}

export function navigate(url: string, options: { replace?: boolean } = {}): void {
  const same = url === location.pathname + location.search;
  if (options.replace || same) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  const samePage = route(new URL(url, location.href).pathname).name === main.dataset.page;
  void render({ focus: !samePage });
  if (!samePage) window.scrollTo(0, 0);
}

// Links inside the viewer change the page without a reload; others (GraphQL, downloads) go as usual.
document.addEventListener('click', (event) => {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const a = (event.target as Element).closest('a');
  if (!a || a.target || a.hasAttribute('download') || a.hasAttribute('data-external')) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || !(url.pathname === BASE || url.pathname.startsWith(`${BASE}/`))) return;
  event.preventDefault();
  navigate(url.pathname + url.search);
});
window.addEventListener('popstate', () => void render({ focus: false }));

// Settings: the key is kept for this tab (sessionStorage) unless "Remember" asks for this browser (localStorage).
const form = document.getElementById('settings-form') as HTMLFormElement;
const keyInput = document.getElementById('operator-key') as HTMLInputElement;
const rememberInput = document.getElementById('operator-key-remember') as HTMLInputElement;
const status = document.getElementById('settings-status') as HTMLElement;
const showKeyState = () =>
  (status.textContent = !operatorKey()
    ? 'No key saved: downloads need an operator key.'
    : operatorKeyRemembered()
      ? 'A key is saved in this browser.'
      : 'A key is saved for this tab until it is closed.');
keyInput.value = operatorKey() ?? '';
rememberInput.checked = operatorKeyRemembered();
showKeyState();
form.addEventListener('submit', (event) => {
  event.preventDefault();
  setOperatorKey(keyInput.value.trim() || null, rememberInput.checked);
  showKeyState();
  void render({ focus: false });
});
document.getElementById('operator-key-clear')!.addEventListener('click', () => {
  keyInput.value = '';
  setOperatorKey(null);
  showKeyState();
  void render({ focus: false });
});

void render({ focus: false });
