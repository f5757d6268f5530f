import fs from 'node:fs';
import { InvalidArgumentError } from 'commander';
import { loadConfig } from '../config/config';
import { OpenDatabase, openDatabase } from '../db/database';
import { configureSearch } from '../modules/dialogue/dialogue.search';
import { fromGlobalId } from '../pagination/global-id';
import { DomainError } from '../errors';

/**
 * An error whose message is meant for the person at the terminal: the CLI prints
 * `recdial: <message>` and exits 1 without a stack trace. Command modules throw it
 * (or a subclass) for bad input.
 */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Runs a command against the configured database (pending migrations refused) and closes it. */
export async function withDatabase<T>(fn: (db: OpenDatabase) => Promise<T>): Promise<T> {
  const config = loadConfig();
  configureSearch(config);
  const db = await openDatabase(config, { poolSize: 2 });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

/** The JSON object in `file`, given by `flag`; a one-line CliError naming the flag otherwise (`expected` says what the object is). */
export function readJsonObjectFile(flag: string, file: string, expected: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(`${flag}: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CliError(`${flag}: ${file} is not JSON: ${(error as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new CliError(`${flag}: ${file} must hold ${expected}`);
  return value as Record<string, unknown>;
}

export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
}

export function portNumber(value: string): number {
  const n = nonNegativeInt(value);
  if (n > 65535) throw new InvalidArgumentError('expected a port number (0–65535)');
  return n;
}

export function positiveInt(value: string): number {
  const n = nonNegativeInt(value);
  if (n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

/** A generation run as its database id (`12`) or the id the API shows. */
export function generationRunId(value: string): number {
  if (/^\d{1,10}$/.test(value) && Number(value) <= 2_147_483_647) return Number(value);
  const parsed = fromGlobalId(value);
  if (parsed?.type === 'GenerationRun' && /^\d{1,10}$/.test(parsed.id)) return Number(parsed.id);
  throw new InvalidArgumentError('expected a generation run id (the number, or the id the API shows)');
}

/**
 * The services name API arguments (`input.filter.stereotype`, `itemText`); at the terminal the
 * flag is what the person typed (`--stereotype`, `--item-text`).
 */
export function flagOf(argument: string): string {
  const field = argument.replace(/^input(\.|$)/, '').replace(/^filter(\.|$)/, '').split(/[.[]/)[0];
  if (!field) return 'the selection';
  return `--${field === 'generationRunId' ? 'run' : field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/**
 * Runs `fn`; the errors the services raise about the caller's input (the domain errors of
 * src/errors.ts, and the `also` classes) become CliErrors, printed as one line naming the flag.
 * `flags` may map an argument to '' (a problem of the whole request, no flag to name): the
 * message is then printed without the argument.
 */
export async function withCliErrors<T>(
  fn: () => Promise<T>,
  options: { flags?: (argument: string) => string; also?: Array<abstract new (...args: never[]) => Error> } = {},
): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof DomainError) {
      const argument = error.argument ?? '';
      const flag = argument ? (options.flags ?? flagOf)(argument) : '';
      if (flag) throw new CliError(error.message.replace(argument, flag));
      throw new CliError(argument && error.message.startsWith(`${argument}: `) ? error.message.slice(argument.length + 2) : error.message);
    }
    if (options.also?.some((type) => error instanceof type)) throw new CliError((error as Error).message);
    throw error;
  }
}
