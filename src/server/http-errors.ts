import express, { ErrorRequestHandler, Express, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { ErrorCode } from './errors';

/** Largest GraphQL request body accepted over HTTP; larger ones are PAYLOAD_TOO_LARGE (413). */
export const MAX_BODY = '1mb';

/** Answers as a GraphQL response with one error, so that every client error reads the same way. */
export function sendJsonError(res: Response, status: number, code: string, message: string): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.status(status).type('application/json').send(JSON.stringify({ errors: [{ message, extensions: { code } }] }));
}

/**
 * The GraphQL body parser: JSON objects (or arrays, which Apollo refuses as batches) only. Its
 * errors are left to `jsonErrorHandler`, which turns them into GraphQL errors.
 */
export function graphqlBodyParser(): RequestHandler {
  return express.json({ limit: MAX_BODY, strict: true });
}

interface HttpError extends Error {
  status?: number;
  statusCode?: number;
  type?: string;
  body?: string;
  limit?: number;
}

/** What a body-parser error means to the caller; null for anything else. */
function bodyProblem(error: HttpError): { status: number; code: string; message: string } | null {
  switch (error.type) {
    case 'entity.too.large':
      return { status: 413, code: ErrorCode.PAYLOAD_TOO_LARGE, message: `the request body is larger than the limit of ${error.limit ?? MAX_BODY} bytes` };
    case 'entity.parse.failed': {
      const start = (error.body ?? '').trimStart()[0];
      const notObject = start !== undefined && start !== '{' && start !== '[';
      return {
        status: 400,
        code: ErrorCode.BAD_REQUEST,
        message: notObject
          ? 'the request body must be a JSON object such as {"query": "…", "variables": {…}}'
          : `the request body is not valid JSON: ${error.message}`,
      };
    }
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return { status: 415, code: ErrorCode.BAD_REQUEST, message: error.message };
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
    case 'stream.not.readable':
      return { status: 400, code: ErrorCode.BAD_REQUEST, message: error.message };
    default:
      return null;
  }
}

/**
 * The last handlers of the app: an unknown route is a JSON 404, and any error that reaches
 * express (body parsing, a route handler that throws) is a JSON GraphQL-style error. Express's
 * own final handler renders an HTML page with the stack trace unless NODE_ENV is production;
 * with these it is never reached, whatever NODE_ENV says.
 */
export function installJsonErrorHandling(app: Express, logger: Logger): void {
  app.use((req, res) => {
    sendJsonError(res, 404, ErrorCode.ROUTE_NOT_FOUND, `no route ${req.method} ${req.path}; the API is POST /graphql`);
  });
  const handler: ErrorRequestHandler = (error: HttpError, req, res, _next) => {
    const problem = bodyProblem(error);
    if (problem) {
      sendJsonError(res, problem.status, problem.code, problem.message);
      return;
    }
    const status = error.status ?? error.statusCode;
    if (status && status >= 400 && status < 500) {
      // http-errors marks client errors with `expose`; their messages are safe to show.
      sendJsonError(res, status, ErrorCode.BAD_REQUEST, (error as { expose?: boolean }).expose ? error.message : 'bad request');
      return;
    }
    logger.error({ err: error, method: req.method, path: req.path }, 'unhandled error in an HTTP route');
    sendJsonError(res, 500, ErrorCode.INTERNAL_SERVER_ERROR, 'Internal server error');
  };
  app.use(handler);
}
