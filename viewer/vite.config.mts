import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The viewer is served by the API at /viewer (src/server/viewer.ts) from dist/viewer; everything
// it needs is bundled here (no CDN, no web fonts), so it works on a machine without a network.
const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  base: '/viewer/',
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../dist/viewer', import.meta.url)),
    emptyOutDir: true,
    // Observable Plot with d3 is most of the bundle; one file per page would buy little here.
    chunkSizeWarningLimit: 1500,
  },
});
