import 'reflect-metadata';
import { DataSource, Logger } from 'typeorm';
import { migrations } from '../../migrations';
import { entities } from './entities';

export interface DataSourceOptions {
  url: string;
  statementTimeoutMs?: number;
  poolSize?: number;
  /** Sees every SQL statement (tests count them). */
  logger?: Logger;
  applicationName?: string;
}

export function createDataSource(options: DataSourceOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: options.url,
    entities,
    migrations,
    migrationsTableName: 'migrations',
    migrationsRun: false,
    synchronize: false,
    logging: options.logger ? ['query', 'error'] : false,
    logger: options.logger,
    poolSize: options.poolSize ?? 10,
    applicationName: options.applicationName ?? 'recdial',
    extra: options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {},
  });
}
