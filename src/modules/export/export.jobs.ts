import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { Config } from '../../config/config';
import { writeExport, type ExportFormatName } from '../../export/formats';
import { createBackgroundJobs, type BackgroundJobs } from '../../jobs/background-jobs';
import { JobLifecycle } from '../../jobs/job-lifecycle';
import { EXPORT_JOBS, OPEN_STATUSES, statusIn } from '../../jobs/lifecycle';

/** What the API process needs for exports: a runner for the jobs it accepts, and their events. */
export interface ExportJobs extends Pick<BackgroundJobs, 'events' | 'idle' | 'close'> {
  exportsDir: string;
  /** Runs a QUEUED export in this process, in the background (its outcome lands in its row). */
  start(id: number): void;
}

/**
 * Removes `<exportsDir>/<id>.partial/` folders whose export no longer runs: those of a process
 * that died (this server's predecessor, or another server sharing the folder), whichever server
 * marked the export interrupted.
 */
async function removeAbandonedPartials(dataSource: DataSource, exportsDir: string, logger: Logger): Promise<void> {
  let names: string[];
  try {
    names = fs.readdirSync(exportsDir).filter((name) => /^\d+\.partial$/.test(name));
  } catch {
    return; // no folder yet
  }
  if (!names.length) return;
  const ids = names.map((name) => Number(name.slice(0, -'.partial'.length)));
  const live: Array<{ id: number }> = await dataSource.query(`SELECT id FROM ${EXPORT_JOBS.table} WHERE id = ANY($1) AND ${statusIn(OPEN_STATUSES)}`, [ids]);
  const running = new Set(live.map((row) => Number(row.id)));
  for (const id of ids) {
    if (running.has(id)) continue;
    const partial = path.join(exportsDir, `${id}.partial`);
    fs.rmSync(partial, { recursive: true, force: true });
    logger.info({ exportId: id, partial }, 'removed the partial files of an interrupted export');
  }
}

export function createExportJobs(options: { dataSource: DataSource; config: Readonly<Config>; logger: Logger }): ExportJobs {
  const { dataSource, config, logger } = options;
  const jobs = createBackgroundJobs({
    dataSource,
    logger,
    lifecycle: new JobLifecycle(EXPORT_JOBS),
    retryHint: 'start it again',
    progressEveryMs: 500,
    afterSweep: () => removeAbandonedPartials(dataSource, config.exportsDir, logger),
  });
  return {
    events: jobs.events,
    idle: jobs.idle,
    close: jobs.close,
    exportsDir: config.exportsDir,
    start(id) {
      jobs.start(id, async ({ signal, progress }) => {
        const [row] = await dataSource.query('SELECT format, options, filter, folder FROM exports WHERE id = $1', [id]);
        // Written next to the final folder and renamed at the end: a folder under its id is always complete.
        const partial = `${row.folder}.partial`;
        try {
          fs.rmSync(partial, { recursive: true, force: true });
          fs.mkdirSync(partial, { recursive: true });
          const report = await writeExport(
            { format: row.format as ExportFormatName, options: row.options, filter: row.filter },
            {
              dataSource,
              outDir: partial,
              signal,
              onProgress: (done, total) => void progress(total > 0 ? done / total : 0).catch(() => undefined),
            },
          );
          fs.rmSync(row.folder, { recursive: true, force: true });
          fs.renameSync(partial, row.folder);
          const { files, ...rest } = report;
          return { files, report: rest };
        } catch (error) {
          fs.rmSync(partial, { recursive: true, force: true });
          throw error;
        }
      });
    },
  };
}
