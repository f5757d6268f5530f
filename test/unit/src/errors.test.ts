import { GraphQLError } from 'graphql';
import { formatError } from '../../../src/server/app';
import { badInput } from '../../../src/errors';

test('internal errors are masked; the API\'s own errors keep their message and code', () => {
  const internal = formatError({ message: 'relation "secret_table" does not exist', extensions: { code: 'INTERNAL_SERVER_ERROR' } }, new Error('boom'));
  expect(internal).toMatchObject({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } });

  const mine = badInput('filter.split', 'unknown split');
  const formatted = formatError({ message: mine.message, extensions: mine.extensions }, mine);
  expect(formatted).toEqual({ message: 'filter.split: unknown split', extensions: { code: 'BAD_USER_INPUT', argument: 'filter.split' } });
});

test('a statement timeout becomes TIMEOUT with advice instead of an internal error', () => {
  const pgError = Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' });
  const wrapped = new GraphQLError(pgError.message, { originalError: pgError, path: ['dialogues'] });
  expect(formatError({ message: pgError.message }, wrapped).extensions).toEqual({ code: 'TIMEOUT' });
});
