import type PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { QueueAccess } from '../../../generator';
import { startBoss } from '../../../generator';
import type { Config } from '../../config/config';
import { JobLifecycle } from '../../jobs/job-lifecycle';
import { GENERATION_RUNS } from '../../jobs/lifecycle';
import type { NotifyEvents } from '../../jobs/notify-events';
import { selectDialogueIds } from '../../dialogues/selection';

/** What the API process needs for generation: a queue client (started on first use) and run events. */
export interface GenerationQueue {
  queue: QueueAccess;
  events: NotifyEvents;
  close(): Promise<void>;
}

export function createGenerationQueue(options: { dataSource: DataSource; config: Readonly<Config>; logger: Logger }): GenerationQueue {
  const { dataSource, config, logger } = options;
  const url = (dataSource.options as { url?: string }).url!;
  // Started on the first mutation, so a read-only server never touches the queue schema.
  let boss: Promise<PgBoss> | null = null;
  const events = new JobLifecycle(GENERATION_RUNS).events({ dataSource, logger });
  return {
    queue: {
      dataSource,
      config,
      boss: () =>
        (boss ??= startBoss({ url, supervise: false, generation: config.generation, max: 2 }).catch((error) => {
          boss = null;
          throw error;
        })),
      findDialogues: selectDialogueIds,
    },
    events,
    async close() {
      await events.close();
      if (boss) await (await boss.catch(() => null))?.stop({ graceful: false, close: true, wait: true });
    },
  };
}
