import { InvalidArgumentError } from 'commander';
import { loadConfig } from '../config/config';
import { OpenDatabase, openDatabase } from '../db/database';

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
  const db = await openDatabase(loadConfig(), { poolSize: 2 });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
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
