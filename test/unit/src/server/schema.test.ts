import fs from 'node:fs';
import path from 'node:path';
import { printSdl } from '../../../../src/server/schema';

test('schema/schema.graphql is what the code emits (run `npm run schema:emit` after changing the API)', async () => {
  const committed = fs.readFileSync(path.join(__dirname, '..', '..', '..', '..', 'schema', 'schema.graphql'), 'utf8');
  expect(committed).toBe(await printSdl());
});

test('the read side carries the names of the API contract', async () => {
  const sdl = await printSdl();
  for (const name of ['node(id: ID!): Node', 'dialogues(', 'dialogue(id: ID!): Dialogue', 'items(', 'item(', 'users(', 'user(', 'stereotypes: [Stereotype!]!', 'splits: [Split!]!']) {
    expect(sdl).toContain(name);
  }
  for (const field of ['stereotype', 'split', 'source', 'status', 'userId', 'targetItemId', 'targetAsin', 'mentionsItemId', 'mentionsAsin', 'search', 'dataset']) {
    expect(sdl).toMatch(new RegExp(`input DialogueFilter \\{[^}]*\\b${field}:`, 's'));
  }
});
