import type { EntityManager } from 'typeorm';
import { createLoaders } from '../../../../src/graphql/context';

/** A manager that answers every statement with no rows and records what it was asked. */
function fakeManager() {
  const sent: string[] = [];
  const manager = {
    queryRunner: undefined,
    connection: { driver: {} },
    query: async (text: string) => {
      sent.push(text);
      return [];
    },
  } as unknown as EntityManager;
  return { manager, sent };
}

test('loaders are created on first use, per request: no loader, cache or primed value is shared between two requests', async () => {
  const { manager } = fakeManager();
  const one = createLoaders(manager);
  const two = createLoaders(manager);
  // Nothing created yet: a subscription clearing its loaders (Object.values) finds none.
  expect(Object.values(one)).toEqual([]);

  const itemById = one.itemById;
  expect(one.itemById).toBe(itemById);
  expect(two.itemById).not.toBe(itemById);
  // The group is created whole (its loaders share state), and only that group.
  expect(Object.keys(one).sort()).toEqual(['itemByAsin', 'itemById']);

  one.turnsByDialogueId.prime(7, [{ dbId: 1, dialogueId: 7, index: 0, role: 'USER' as never, text: 'primed' }]);
  // The other request asks the database (which has no turns), not the first request's cache.
  await expect(two.turnsByDialogueId.load(7)).resolves.toEqual([]);
  expect((await one.turnsByDialogueId.load(7))[0].text).toBe('primed');
  expect(two.turnsByDialogueId).not.toBe(one.turnsByDialogueId);
});

test('a dialogue row primes the loaders of its own request: turns from the columns of dialogue.prefetch.ts', async () => {
  const { manager, sent } = fakeManager();
  const loaders = createLoaders(manager, { prefetch: { turns: true, mentions: false, targetItem: false, mentionItems: false } });
  const rows = [{ id: 3, __turns: [[30, 31], [0, 1], ['USER', 'ASSISTANT'], ['hi', 'hello']] }, { id: 4, __turns: [null, null, null, null] }];
  // The loader's own statement answers with these rows (no statement for the turns).
  (manager as unknown as { query: (text: string) => Promise<unknown> }).query = async (text: string) => {
    sent.push(text);
    return rows;
  };
  const [three, four] = await loaders.dialogueById.loadMany([3, 4]);
  expect(three).toMatchObject({ dbId: 3 });
  expect(four).toMatchObject({ dbId: 4 });
  const before = sent.length;
  expect(await loaders.turnsByDialogueId.load(3)).toEqual([
    { dbId: 30, dialogueId: 3, index: 0, role: 'USER', text: 'hi' },
    { dbId: 31, dialogueId: 3, index: 1, role: 'ASSISTANT', text: 'hello' },
  ]);
  expect(await loaders.turnsByDialogueId.load(4)).toEqual([]);
  expect(sent.length).toBe(before);
});
