import fs from 'node:fs';
import path from 'node:path';
import express, { type Router } from 'express';

/**
 * The dataset viewer (viewer/, built by `npm run build` into dist/viewer) at `/viewer`: its
 * assets as static files, and index.html for every other path below it, so that a deep link
 * such as `/viewer/dialogues/<id>` opens the page the client-side router draws. The viewer
 * reads only the public GraphQL API; the server adds nothing for it but these files.
 */
export function viewerRouter(rootDir: string): Router {
  const distDir = path.join(rootDir, 'dist', 'viewer');
  const indexFile = path.join(distDir, 'index.html');
  const router = express.Router();
  // Hashed asset names change with every build, so they can be cached for good; index.html not.
  router.use('/assets', express.static(path.join(distDir, 'assets'), { immutable: true, maxAge: '1y', fallthrough: false }));
  router.use(express.static(distDir, { index: false, redirect: false }));
  router.get('/{*rest}', (_req, res) => {
    // Checked per request, so that building the viewer while the server runs is enough.
    if (!fs.existsSync(indexFile)) {
      res.status(503).type('html').send(NOT_BUILT);
      return;
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(indexFile);
  });
  return router;
}

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>recdial viewer not built</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; line-height: 1.5">
<h1>The viewer is not built</h1>
<p>This server has no <code>dist/viewer</code>. Build it from the project folder, then reload this page:</p>
<pre>npm run build</pre>
<p>(<code>npm start</code> builds it too.) The GraphQL API is at <a href="/graphql">/graphql</a>.</p>
</body></html>
`;
