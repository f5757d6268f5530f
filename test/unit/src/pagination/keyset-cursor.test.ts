import { castable, decodeCursor, encodeCursor, type KeysetOrder } from '../../../../src/pagination/keyset';

const ORDER: KeysetOrder = { name: 'created', direction: 'ASC', columns: [{ expr: 'd.created_at', cast: 'timestamptz' }, { expr: 'd.id', cast: 'int' }] };

test.each([
  ['int', '42', true],
  ['int', '-2147483648', true],
  ['int', '2147483648', false],
  ['int', '1e3', false],
  ['int', 'abc', false],
  ['int', '', false],
  ['bigint', '9223372036854775807', true],
  ['bigint', '9223372036854775808', false],
  ['real', '1e3', true],
  ['real', '-0.5', true],
  ['real', 'NaN', true],
  ['real', '1e999', false],
  ['real', '0x10', false],
  ['timestamptz', '2026-12-06 02:31:25.123456+00', true],
  ['timestamptz', '2024-02-29 00:00:00+05:30', true],
  ['timestamptz', '2026-02-29 00:00:00+00', false],
  ['timestamptz', '2026-13-01 00:00:00+00', false],
  ['timestamptz', 'yesterday', false],
  ['text', 'anything at all', true],
  ['text', 'a\u0000b', false],
] as const)('%s accepts %j: %s', (cast, value, ok) => {
  expect(castable(value, cast)).toBe(ok);
});

test('a cursor with a valid digest and a forged value is BAD_USER_INPUT on its argument', () => {
  const good = encodeCursor(ORDER, ['2026-12-06 02:31:25.123+00', '7']);
  expect(decodeCursor('after', good, ORDER)).toEqual(['2026-12-06 02:31:25.123+00', '7']);
  const forged = encodeCursor(ORDER, ['2026-12-06 02:31:25+00', '99999999999']);
  expect(() => decodeCursor('before', forged, ORDER)).toThrow(expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT', argument: 'before' } }));
});
