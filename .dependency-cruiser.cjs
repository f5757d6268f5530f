/**
 * The dependency rule of docs/architecture.md: every import runs down the floors below, never
 * up. A floor may import its own folders and any floor below it. Folders of one floor may import
 * each other. `npm run lint:deps` runs it and
 * test/unit/dependency-rule.test.ts runs it inside `npm test`.
 *
 * Floors, lowest first (the order of docs/architecture.md "Floors"):
 */
const FLOORS = [
  // Stable error codes and domain errors; the configuration read once from the environment; the
  // dialogue vocabulary (enums that import nothing).
  { name: 'base', paths: ['^src/errors\\.ts$', '^src/config/', '^src/dialogues/vocabulary\\.ts$'] },
  // The database (connection, migrations, the TypeORM entities in src/db/schema/), job infrastructure, pure text, random and interval helpers.
  { name: 'infrastructure', paths: ['^src/db/', '^migrations/', '^src/jobs/', '^src/text/', '^src/random/', '^src/stats/'] },
  // Keyset pagination and global ids: SQL helpers every reader uses.
  { name: 'pagination', paths: ['^src/pagination/'] },
  // Reading source files into the tables, and preparing them (users, splits).
  { name: 'ingestion', paths: ['^src/ingest/', '^src/prepare/'] },
  // The generation pipeline (queue, worker, prompts, model clients, rubrics).
  { name: 'generator', paths: ['^generator/'] },
  // The corpus as a whole: the dialogue selection and keyset stream, and the export writers that use them.
  { name: 'corpus', paths: ['^src/dialogues/(?!vocabulary\\.ts$)', '^src/export/'] },
  // Metrics and evaluation runs (use the generator's model clients and title matching).
  { name: 'evaluation', paths: ['^src/evaluation/'] },
  // The GraphQL layer: per-feature modules (types, inputs, resolvers, services, loaders) and what they share.
  { name: 'graphql', paths: ['^src/graphql/', '^src/modules/'] },
  // The composition root: HTTP, Apollo, graphql-ws, the fast lane, auth, downloads.
  { name: 'server', paths: ['^src/server/'] },
  // The command line.
  { name: 'cli', paths: ['^src/cli/', '^src/cli\\.ts$'] },
];

const any = (paths) => `(${paths.join('|')})`;

/** A rule per floor: its files may not import any file of a floor above it. */
function floorRules() {
  const rules = [];
  FLOORS.forEach((floor, i) => {
    const above = FLOORS.slice(i + 1).flatMap((f) => f.paths);
    if (above.length === 0) return;
    rules.push({
      name: `floor-${floor.name}`,
      comment: `${floor.name} may import only ${FLOORS.slice(0, i + 1).map((f) => f.name).join(', ')} (docs/architecture.md)`,
      severity: 'error',
      from: { path: any(floor.paths) },
      to: { path: any(above) },
    });
  });
  return rules;
}

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...floorRules(),
    {
      name: 'generator-through-its-entry',
      comment: 'src/ uses the generator through generator/index.ts, its one public entry',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^generator/', pathNot: '^generator/index\\.ts$' },
    },
    {
      name: 'no-graphql-below-the-resolver-layer',
      comment: 'only the GraphQL layer (src/graphql, src/modules), the server and the CLI may import graphql; the floors below throw src/errors.ts',
      severity: 'error',
      from: { path: any(FLOORS.slice(0, FLOORS.findIndex((f) => f.name === 'graphql')).flatMap((f) => f.paths)) },
      // (^|/): node_modules may be a symbolic link (a git worktree's), resolved to its target.
      to: { path: '(^|/)node_modules/(graphql|type-graphql|@apollo/[^/]+|graphql-[^/]+)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['\\.d\\.ts$', '^(test|dist|viewer)/'] },
    // Type-only imports count: a layer that needs a type from above still depends on it.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    moduleSystems: ['cjs', 'es6'],
  },
};
