import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { RequestLogEntry } from './logger';
import { MetricsService } from './metrics.service';

export const REQUEST_ID_HEADER = 'X-Request-Id';
// A caller's id is kept (to follow a request through proxies) only when it is short and plain.
const ACCEPTABLE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Gives every request an id (returned in `X-Request-Id`), then writes one log line when it is answered: method,
 * path (never the query string, which may carry anything, nor any header or body), status, duration and id, when
 * `log` is given. Also feeds the metrics.
 */
export function requestLog(metrics: MetricsService | undefined, log: ((entry: RequestLogEntry) => void) | undefined) {
  return (request: Request, response: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    const incoming = request.header(REQUEST_ID_HEADER);
    const requestId = incoming && ACCEPTABLE_ID.test(incoming) ? incoming : randomUUID();
    response.setHeader(REQUEST_ID_HEADER, requestId);
    metrics?.requestStarted();
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = (request.route as { path?: string } | undefined)?.path ?? 'unmatched';
      metrics?.requestFinished(request.method, route, response.statusCode, seconds);
      log?.({
        method: request.method,
        path: request.path,
        status: response.statusCode,
        duration_ms: Math.round(seconds * 1e6) / 1e3,
        request_id: requestId,
      });
    };
    response.once('finish', finish);
    response.once('close', finish);
    next();
  };
}
