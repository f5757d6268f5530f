import path from 'node:path';
import express, { type Request, type RequestHandler } from 'express';
import { ruruHTML, type RuruServerConfig } from 'ruru/server';

/**
 * The GraphQL explorer on `GET /graphql`: Ruru (GraphiQL with docs, autocomplete, history and a
 * headers editor), whose bundle recdial serves from the `ruru` package itself under this path, so
 * that the page works on a machine without internet (Ruru's default is a CDN). Its fonts and icons
 * are inlined in its CSS; nothing else is fetched.
 */
export const EXPLORER_STATIC_PATH = '/explorer/static/';

/**
 * Serves the `static/` folder the ruru package ships (its build: ruru.js, ruru.css, the editor
 * workers and their lazily loaded chunks). Not `ruru/static`'s serveStatic: that loads its
 * in-memory bundle with a dynamic `import()`, which jest's module sandbox (the browser test)
 * cannot run.
 */
export function explorerStatic(): RequestHandler {
  // `ruru/static` resolves to <package>/dist/static.js; the package's exports do not list static/ itself.
  const folder = path.join(path.dirname(require.resolve('ruru/static')), '..', 'static');
  return express.static(folder, { index: false, fallthrough: true });
}

/** True for a browser navigating to the endpoint; GraphQL clients (JSON or `*\/*`) go on to Apollo. */
export function wantsExplorer(req: Request): boolean {
  return req.accepts(['application/json', 'application/graphql-response+json', 'text/html']) === 'text/html';
}

const WELCOME = `# recdial's GraphQL explorer.
# Run: Ctrl-Enter or the ▶ button. Complete: Ctrl-Space.
# Docs: the book icon at the left; history: the clock icon.
# Mutations need an operator key (recdial keys create --name you):
# open "Headers" below and enter {"Authorization": "Bearer <secret>"}
`;

const FIRST_QUERY = `{
  dialogues(first: 5, filter: { stereotype: "Fully Expressive Seeker" }) {
    totalCount
    nodes {
      id
      stereotype { key }
      targetItem { title }
      turns { role text }
    }
  }
}
`;

const NO_INTROSPECTION = 'Introspection is turned off on this server (RECDIAL_INTROSPECTION=false): docs and autocomplete are unavailable, but queries still run.';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

/** The explorer page; `initialQuery` (from `?query=`) opens in the editor instead of the last session. */
export function explorerHtml(options: { introspection: boolean; initialQuery?: string }): string {
  const notice = options.introspection ? '' : `<span class="recdial-notice" role="status">${escapeHtml(NO_INTROSPECTION)}</span>`;
  return ruruHTML({
    endpoint: '/graphql',
    staticPath: EXPLORER_STATIC_PATH,
    // Partial: ruru-types picks these props from GraphiQL's types, which are not installed here.
    clientConfig: {
      defaultQuery: (options.introspection ? '' : `# ${NO_INTROSPECTION}\n`) + WELCOME + FIRST_QUERY,
      initialQuery: options.initialQuery,
      isHeadersEditorEnabled: true,
      inputValueDeprecation: true,
      schemaDescription: true,
    } as Partial<NonNullable<RuruServerConfig['clientConfig']>> as RuruServerConfig['clientConfig'],
    htmlParts: {
      titleTag: '<title>recdial · GraphQL explorer</title>',
      // A slim bar above Ruru; Ruru's root takes the rest of the viewport.
      styleTags: (original) =>
        original +
        `<style>
  .recdial-bar { box-sizing: border-box; height: 2rem; display: flex; gap: 1.25rem; align-items: center; padding: 0 1rem; font: 13px system-ui, sans-serif; background: #1f2937; color: #e5e7eb; }
  .recdial-bar a { color: #93c5fd; }
  .recdial-notice { color: #fcd34d; }
  #ruru-root { height: calc(100vh - 2rem) !important; }
</style>`,
      bodyContent: (original) =>
        `<nav class="recdial-bar"><strong>recdial</strong><span>GraphQL explorer</span><a href="/viewer">Dataset viewer</a>${notice}</nav>\n` + original,
    },
  });
}
