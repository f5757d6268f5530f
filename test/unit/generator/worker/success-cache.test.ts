import { successCache } from '../../../../generator/worker/success-cache';

// The worker's lookups (runs, users' domains) are cached only when they succeed.

test('a success is loaded once and shared, also by callers that ask while it is pending', async () => {
  let loads = 0;
  const get = successCache(async (id: number) => {
    loads++;
    await new Promise((r) => setTimeout(r, 5));
    return `run ${id}`;
  });
  const [a, b] = await Promise.all([get(1), get(1)]);
  expect([a, b, await get(1), loads]).toEqual(['run 1', 'run 1', 'run 1', 1]);
  expect([await get(2), loads]).toEqual(['run 2', 2]);
});

test('a failure is not kept: the next caller loads again (PostgreSQL was restarting)', async () => {
  let loads = 0;
  const get = successCache(async (id: number) => {
    loads++;
    if (loads === 1) throw new Error('connection terminated');
    return id * 10;
  });
  await expect(get(3)).rejects.toThrow('connection terminated');
  await new Promise((r) => setImmediate(r));
  expect(await get(3)).toBe(30);
  expect(await get(3)).toBe(30);
  expect(loads).toBe(2);
});

test('at its size limit the cache starts over', async () => {
  const loaded: number[] = [];
  const get = successCache(async (id: number) => void loaded.push(id), 2);
  await get(1);
  await get(2);
  await get(1);
  await get(3); // full: cleared, so 1 is loaded again below
  await get(1);
  expect(loaded).toEqual([1, 2, 3, 1]);
});
