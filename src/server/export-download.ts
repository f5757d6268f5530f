import fs from 'node:fs';
import path from 'node:path';
import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { ZipFile } from 'yazl';
import { exportArchiveEntries, exportArchiveName } from '../export/formats';
import { decodeId } from '../pagination/global-id';
import { authenticate, requireOperator } from './auth';
import { ErrorCode, publicErrorOf } from './errors';
import type { Config } from '../config/config';
import { activeOperatorKeyHash } from '../modules/api-key/api-key.service';
import { getExportRow } from '../modules/export/export.service';
import { checkSignature, downloadSecret } from '../modules/export/signed-url';

/** Every entry gets this mtime, so the same export always downloads as the same bytes. */
const ENTRY_MTIME = new Date('2000-01-01T00:00:00Z');

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The error as GraphQL would report it: `{ errors: [{ message, extensions: { code } }] }`. */
function sendError(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ errors: [{ message, extensions: { code } }] });
}

function asHttpError(error: unknown): HttpError | null {
  if (error instanceof HttpError) return error;
  const coded = publicErrorOf(error);
  if (coded) {
    const status = (coded.extensions.http as { status?: number } | undefined)?.status ?? (coded.code === ErrorCode.BAD_USER_INPUT ? 400 : 500);
    return new HttpError(status, coded.code, coded.message);
  }
  return null;
}

/**
 * `GET /exports/:id/download`: a zip of a COMPLETED export's files, built while it is sent
 * (yazl reads one file at a time from disk; nothing holds the archive). Needs an operator key —
 * none or a bad one → 401, a reader's → 403 — or a signed URL from `Export.downloadUrl`
 * (`?expires=…&key=…&signature=…`; expired, forged or minted by a since revoked key → 403); an unknown export → 404; one not COMPLETED → 409.
 */
export function exportDownloadHandler(options: { dataSource: DataSource; config: Readonly<Config>; logger: Logger }): RequestHandler {
  const { dataSource, config, logger } = options;
  return async (req: Request, res: Response) => {
    try {
      const id = decodeId('id', String(req.params.id), 'Export');
      if (req.query.signature !== undefined || req.query.expires !== undefined) {
        const refused = await checkSignature(await downloadSecret(dataSource.manager, config), id, req.query, (keyId) => activeOperatorKeyHash(dataSource.manager, keyId));
        if (refused) throw new HttpError(403, ErrorCode.FORBIDDEN, refused);
      } else {
        requireOperator({ principal: await authenticate(dataSource.manager, req.headers.authorization) });
      }
      const row = await getExportRow(dataSource.manager, id);
      if (!row) throw new HttpError(404, ErrorCode.NOT_FOUND, `id: no such export "${req.params.id}"`);
      if (row.status !== 'COMPLETED') {
        throw new HttpError(409, ErrorCode.CONFLICT, `export "${req.params.id}" is ${row.status}; it can be downloaded once COMPLETED`);
      }
      const entries = exportArchiveEntries(row.format, row.options, row.files);
      for (const entry of entries) {
        if (!fs.existsSync(path.join(row.folder, entry.file))) {
          throw new HttpError(410, ErrorCode.NOT_FOUND, `the files of export "${req.params.id}" are no longer on this server; start the export again`);
        }
      }
      const zip = new ZipFile();
      for (const entry of entries) zip.addFile(path.join(row.folder, entry.file), entry.name, { mtime: ENTRY_MTIME, mode: 0o100644, compress: true });
      zip.end();
      res.status(200);
      res.setHeader('Content-Type', 'application/zip');
      res.setHeader('Content-Disposition', `attachment; filename="${exportArchiveName(row.format, row.options)}"`);
      zip.on('error', (error: unknown) => {
        logger.error({ err: error, exportId: id }, 'export download failed while streaming');
        res.destroy(error as Error);
      });
      zip.outputStream.pipe(res);
    } catch (error) {
      const http = asHttpError(error);
      if (!http) {
        logger.error({ err: error }, 'export download failed');
        sendError(res, 500, ErrorCode.INTERNAL_SERVER_ERROR, 'Internal server error');
        return;
      }
      sendError(res, http.status, http.code, http.message);
    }
  };
}
