import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { Config } from '../config/config';
import { decodeId } from '../pagination/global-id';
import { authenticateCaller, authorizeOperation } from './auth';
import { badInput } from '../errors';
import { ErrorCode, publicErrorOf } from './errors';
import { sampleJsonLine, streamSamples } from '../modules/evaluation/evaluation-samples.service';
import { getEvaluation } from '../modules/evaluation/evaluation.service';

/**
 * `GET /evaluations/:id/samples.jsonl[?model=…&mode=…]`: every per-sample row of a stored
 * evaluation as JSON Lines (docs/formats.md §10.5), streamed in keyset batches. Same keys as queries:
 * readers may download. Errors come as GraphQL-style JSON, never HTML.
 */
export function samplesDownloadHandler(options: { dataSource: DataSource; logger: Logger; config: Pick<Config, 'requireKeyForQueries'> }): RequestHandler {
  const { dataSource, logger, config } = options;
  return async (req, res) => {
    let started = false;
    try {
      authorizeOperation(await authenticateCaller(dataSource.manager, req.headers.authorization, config), 'query', config);
      const id = decodeId('id', String(req.params.id), 'Evaluation');
      const row = await getEvaluation(dataSource.manager, id);
      if (!row) {
        res.status(404).json({ errors: [{ message: `id: no such evaluation "${req.params.id}"`, extensions: { code: ErrorCode.NOT_FOUND } }] });
        return;
      }
      const filter = { model: typeof req.query.model === 'string' ? req.query.model : null, mode: typeof req.query.mode === 'string' ? req.query.mode : null };
      // Checked before the headers go out: afterwards an error can only cut the stream.
      for (const [name, value] of Object.entries(filter)) if (value?.includes('\u0000')) throw badInput(name, 'contains U+0000 (a NUL character); remove it');
      res.status(200);
      res.setHeader('Content-Type', 'application/x-ndjson; charset=utf-8');
      res.setHeader('Content-Disposition', `attachment; filename="evaluation-${id}-samples.jsonl"`);
      started = true;
      const lines = async function* () {
        for await (const sample of streamSamples(dataSource.manager, id, filter)) yield sampleJsonLine(sample) + '\n';
      };
      // pipeline keeps back-pressure and, when the client goes away, ends the generator (and its cursor).
      await pipeline(Readable.from(lines()), res);
    } catch (error) {
      if (started) {
        if (!res.destroyed) logger.error({ err: error }, 'samples download failed while streaming');
        res.destroy();
        return;
      }
      const coded = publicErrorOf(error);
      if (coded) {
        const code = coded.code;
        const status = code === ErrorCode.BAD_USER_INPUT ? 400 : code === 'UNAUTHENTICATED' ? 401 : code === 'FORBIDDEN' ? 403 : 500;
        res.status(status).json({ errors: [{ message: coded.message, extensions: { code } }] });
        return;
      }
      logger.error({ err: error }, 'samples download failed');
      res.status(500).json({ errors: [{ message: 'Internal server error', extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } }] });
    }
  };
}
