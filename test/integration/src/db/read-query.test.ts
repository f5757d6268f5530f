import { Client } from 'pg';
import { createTestDatabase, TestDatabase } from '../../../support/db';
import { importSample } from '../../../support/sample';
import { createDialogueLoaders } from '../../../../src/modules/dialogue/dialogue.loaders';
import { createItemLoaders } from '../../../../src/modules/item/item.loaders';
import { keyedReadStats } from '../../../../src/db/read-query';

/** Statements as the driver sees them (every `pg` query). */
const statements: string[] = [];
const originalQuery = Client.prototype.query;
let counting = false;
let db: TestDatabase;
let ids: number[];

beforeAll(async () => {
  Client.prototype.query = function (this: Client, ...args: unknown[]) {
    if (counting) {
      const config = args[0] as string | { text?: string };
      statements.push(typeof config === 'string' ? config : (config.text ?? '?'));
    }
    return (originalQuery as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof Client.prototype.query;
  db = await createTestDatabase();
  await importSample(db.dataSource);
  ids = (await db.dataSource.query('SELECT id FROM dialogues ORDER BY id LIMIT 5')).map((r: { id: number }) => r.id);
});
afterAll(async () => {
  Client.prototype.query = originalQuery;
  await db?.drop();
});

async function counted<T>(run: () => Promise<T>): Promise<{ result: T; sent: string[] }> {
  statements.length = 0;
  counting = true;
  try {
    const result = await run();
    return { result, sent: [...statements] };
  } finally {
    counting = false;
  }
}

describe('one-key reads of several requests in the same tick (readKeyed)', () => {
  test('share one statement, and each request gets its own rows and nothing else', async () => {
    // Alone: what each request gets by itself.
    const alone = [];
    for (const id of ids) {
      const loaders = createDialogueLoaders(db.dataSource.manager);
      alone.push({ dialogue: await loaders.dialogueById.load(id), turns: await loaders.turnsByDialogueId.load(id) });
    }
    // Five requests (five loader sets, as five contexts), the first asking for two dialogues.
    const requests = ids.map(() => createDialogueLoaders(db.dataSource.manager));
    const before = { ...keyedReadStats };
    const { result, sent } = await counted(() =>
      Promise.all([
        requests[0].turnsByDialogueId.loadMany([ids[0], ids[1]]),
        ...requests.slice(1).map((loaders, k) => loaders.turnsByDialogueId.load(ids[k + 1])),
      ]),
    );
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatch(/t\.dialogue_id IN \(\$1, \$2, \$3, \$4, \$5, \$6, \$7, \$8\)/);
    expect(keyedReadStats.statements - before.statements).toBe(1);
    expect(keyedReadStats.callers - before.callers).toBe(5);
    expect(result[0]).toEqual([alone[0].turns, alone[1].turns]);
    for (let k = 1; k < ids.length; k++) expect(result[k]).toEqual(alone[k].turns);
    for (const turns of result.slice(1) as (typeof alone)[0]['turns'][]) expect(turns.length).toBeGreaterThan(0);

    const dialogues = await counted(() => Promise.all(ids.map((id) => createDialogueLoaders(db.dataSource.manager).dialogueById.load(id))));
    expect(dialogues.sent).toHaveLength(1);
    expect(dialogues.result).toEqual(alone.map((a) => a.dialogue));
  });

  test('a key asked for by two requests is read once and answered to both; unknown keys give null to their asker only', async () => {
    const [a, b] = [createItemLoaders(db.dataSource.manager), createItemLoaders(db.dataSource.manager)];
    const asin = (await db.dataSource.query('SELECT asin FROM items ORDER BY id LIMIT 1'))[0].asin as string;
    const { result, sent } = await counted(() => Promise.all([a.itemByAsin.load(asin), b.itemByAsin.loadMany([asin, 'NO-SUCH-ASIN'])]));
    expect(sent).toHaveLength(1);
    expect((result[0] as { asin: string }).asin).toBe(asin);
    expect((result[1] as Array<{ asin: string } | null>).map((i) => i?.asin ?? null)).toEqual([asin, null]);
  });

  test('a key PostgreSQL refuses fails only the request that asked for it', async () => {
    const [a, b] = [createItemLoaders(db.dataSource.manager), createItemLoaders(db.dataSource.manager)];
    const asin = (await db.dataSource.query('SELECT asin FROM items ORDER BY id LIMIT 1'))[0].asin as string;
    const alone = await createItemLoaders(db.dataSource.manager)
      .itemByAsin.load('bad\u0000asin')
      .then(
        () => 'no error',
        (error: Error) => error.message,
      );
    expect(alone).not.toBe('no error');
    const [good, bad] = await Promise.allSettled([a.itemByAsin.load(asin), b.itemByAsin.load('bad\u0000asin')]);
    expect(good.status === 'fulfilled' && good.value?.asin).toBe(asin);
    expect(bad.status === 'rejected' && (bad.reason as Error).message).toBe(alone);
  });

  test('requests in different ticks, and a transaction, send their own statements as before', async () => {
    const first = await counted(() => createDialogueLoaders(db.dataSource.manager).dialogueById.load(ids[0]));
    expect(first.sent).toHaveLength(1);
    expect(first.sent[0]).toMatch(/d\.id = \$1$/);
    const inTransaction = await counted(() =>
      db.dataSource.transaction((manager) => Promise.all(ids.slice(0, 2).map((id) => createDialogueLoaders(manager).dialogueById.load(id)))),
    );
    // BEGIN, one statement per request on the transaction's own connection, COMMIT.
    expect(inTransaction.sent.filter((s) => /FROM dialogues d/.test(s))).toHaveLength(2);
    expect(inTransaction.result.map((d) => d?.dbId)).toEqual(ids.slice(0, 2));
  });
});
