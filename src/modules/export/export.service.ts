import path from 'node:path';
import type { EntityManager } from 'typeorm';
import { RowOf, selectList } from '../../db/columns';
import { ExportEntity } from '../../db/schema/export.entity';
import { planExport, type ExportFormatName } from '../../export/formats';
import type { ExportFile } from '../../export/types';
import { toGlobalId } from '../../pagination/global-id';
import { ConnectionValue, KeysetOrder, PageArgs, paginate } from '../../pagination/keyset';
import type { Principal } from '../api-key/api-key.service';
import type { RunStatus } from '../generation/generation.type';
import type { ExportInput } from './export.inputs';
import { Export, ExportFormat } from './export.type';

const EXPORT_PROPS = [
  'id',
  'format',
  'options',
  'filter',
  'status',
  'progress',
  'files',
  'report',
  'error',
  'folder',
  'createdBy',
  'createdAt',
  'startedAt',
  'finishedAt',
] as const;

export type ExportRow = RowOf<ExportEntity, (typeof EXPORT_PROPS)[number], { format: ExportFormatName; status: RunStatus; files: ExportFile[] }>;

const COLUMNS = selectList(ExportEntity, 'e', EXPORT_PROPS);
const NEWEST_FIRST: KeysetOrder = { name: 'id', direction: 'DESC', columns: [{ expr: 'e.id', cast: 'int' }] };

export function exportDownloadPath(id: number): string {
  return `/exports/${toGlobalId('Export', id)}/download`;
}

export function toExport(row: ExportRow): Export {
  return Object.assign(new Export(), {
    dbId: row.id,
    id: toGlobalId('Export', row.id),
    status: row.status,
    format: row.format as ExportFormat,
    options: row.options,
    filter: row.filter,
    progress: row.progress,
    files: row.status === 'COMPLETED' ? row.files : [],
    downloadPath: row.status === 'COMPLETED' ? exportDownloadPath(row.id) : null,
    report: row.report,
    error: row.error,
    createdBy: row.created_by,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  });
}

export async function getExportRow(manager: EntityManager, id: number): Promise<ExportRow | null> {
  const [row] = await manager.query(`SELECT ${COLUMNS} FROM exports e WHERE e.id = $1`, [id]);
  return row ?? null;
}

export async function getExport(manager: EntityManager, id: number): Promise<Export | null> {
  const row = await getExportRow(manager, id);
  return row ? toExport(row) : null;
}

export function listExports(manager: EntityManager, args: PageArgs, cap: number): Promise<ConnectionValue<Export>> {
  return paginate<ExportRow & Record<string, unknown>, Export>(manager, {
    columns: COLUMNS,
    from: 'exports e',
    where: [],
    params: [],
    order: NEWEST_FIRST,
    args,
    cap,
    map: toExport,
  });
}

/**
 * Checks the whole request (planExport), then records the job QUEUED with its folder
 * `<exportsDir>/<id>`; the caller starts the writer.
 */
export async function createExport(manager: EntityManager, exportsDir: string, input: ExportInput, principal: Principal | null): Promise<number> {
  const planned = await planExport(manager, { ...input }, 'input');
  const [{ id }] = await manager.query(`SELECT nextval(pg_get_serial_sequence('exports', 'id'))::int AS id`);
  await manager.query(
    `INSERT INTO exports (id, format, options, filter, folder, created_by, heartbeat_at) VALUES ($1, $2, $3, $4, $5, $6, now())`,
    [id, planned.format, JSON.stringify(planned.options), planned.filter === null ? null : JSON.stringify(planned.filter), path.join(exportsDir, String(id)), principal?.name ?? null],
  );
  return id;
}
