import path from 'node:path';
import { PoolClient } from 'pg';
import { DataSource, EntityManager } from 'typeorm';
import { ImportError, RecordError } from './errors';
import type { FileDigest } from './file-content';

/** Imports of any kind take this lock so that two runs never interleave their upserts. */
const IMPORT_LOCK = 7_307_441_134;

export interface ImportOptions {
  /**
   * 0 (default): the first bad record aborts the run and nothing is written.
   * N > 0: up to N bad records are reported and skipped, the rest is loaded; one more aborts.
   */
  maxErrors?: number;
  quiet?: boolean;
}

export class ImportFailed extends Error {
  constructor(readonly errors: ImportError[], readonly limit: number) {
    const head = errors.slice(0, 20).map((e) => e.message);
    const more = errors.length > 20 ? [`… and ${errors.length - 20} more`] : [];
    const why = limit === 0 ? 'nothing was imported' : `more than ${limit} bad records; nothing was imported`;
    super([...head, ...more, why].join('\n'));
    this.name = 'ImportFailed';
  }
}

/** Collects bad records; throws ImportFailed as soon as there are more than `maxErrors`. */
export class ErrorCollector {
  readonly errors: ImportError[] = [];
  constructor(readonly maxErrors: number) {}

  add(error: ImportError): void {
    this.errors.push(error);
    if (this.errors.length > this.maxErrors) throw new ImportFailed(this.errors, this.maxErrors);
  }

  /** Runs `fn`; a record problem is collected (and the record skipped) instead of thrown. */
  attempt<T>(file: string, line: number, fn: () => T): T | undefined {
    try {
      return fn();
    } catch (error) {
      if (error instanceof RecordError) this.add(error.at(file, line));
      else if (error instanceof ImportError) this.add(error);
      else throw error;
      return undefined;
    }
  }
}

export interface ImportTransaction {
  client: PoolClient;
  manager: EntityManager;
}

/** All-or-nothing: the whole import runs in one transaction on one dedicated connection. */
export async function inImportTransaction<T>(dataSource: DataSource, fn: (tx: ImportTransaction) => Promise<T>): Promise<T> {
  const runner = dataSource.createQueryRunner();
  const client = (await runner.connect()) as PoolClient;
  try {
    await runner.startTransaction();
    // Imports legitimately run long; the API's statement timeout does not apply to them.
    await runner.query('SET LOCAL statement_timeout = 0');
    await runner.query('SELECT pg_advisory_xact_lock($1)', [IMPORT_LOCK]);
    const result = await fn({ client, manager: runner.manager });
    await runner.commitTransaction();
    return result;
  } catch (error) {
    if (runner.isTransactionActive) await runner.rollbackTransaction();
    throw error;
  } finally {
    await runner.release();
  }
}

export interface ImportedFile {
  path: string;
  sha256: string;
  lines: number;
}

/** What an import run records of a file it read. */
export function importedFile(file: string, digest: FileDigest): ImportedFile {
  return { path: path.resolve(file), sha256: digest.sha256, lines: digest.lineCount };
}

export async function recordImportRun(manager: EntityManager, kind: string, files: ImportedFile[], counts: Record<string, number>): Promise<number> {
  const [row] = await manager.query('INSERT INTO import_runs (kind, files, counts) VALUES ($1, $2, $3) RETURNING id', [
    kind,
    JSON.stringify(files),
    JSON.stringify(counts),
  ]);
  return row.id;
}
