import { NestFactory } from '@nestjs/core';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AuthService } from '@argilla/auth';
import { Settings } from '@argilla/config';
import { assertSchemaAtHead, Database, runWithAuditOrigin } from '@argilla/database';
import { DefaultUserService } from '@argilla/users';
import { createLoggers } from './observability/logger';
import { MetricsService } from './observability/metrics.service';
import { REQUEST_ID_HEADER, requestLog } from './observability/request-log.middleware';
import { ServerModule } from './server.module';
import { setUpSwagger } from './swagger';

/** Bodies larger than this are refused with 413 before anything parses them. */
export const BODY_LIMIT = '1mb';

export interface ServerAppOptions {
  /** `false`: no logs at all (in-process tests); by default, the logs the settings describe (JSON lines or text). */
  logger?: false;
}

/**
 * Builds the HTTP application (not yet listening): the same app for `main.ts` and the end-to-end tests.
 * Fails when the database cannot be opened or is not migrated to head.
 */
export async function createServerApp(
  settings: Settings,
  options: ServerAppOptions = {},
): Promise<NestExpressApplication> {
  const loggers = options.logger === false ? undefined : createLoggers(settings.operations);
  const app = await NestFactory.create<NestExpressApplication>(ServerModule.forRoot(settings), {
    bodyParser: false,
    logger: loggers?.app ?? false,
  });
  try {
    app.disable('x-powered-by');
    // Answers are never cached (no-store, below): hashing every body for an ETag would be wasted work.
    app.set('etag', false);
    // Security headers (CSP, no sniffing, no framing, HSTS…), and no caching: answers carry API keys and tokens.
    app.use(helmet());
    app.use(escapeMalformedPercents);
    app.use((_request: Request, response: Response, next: NextFunction) => {
      response.setHeader('Cache-Control', 'no-store');
      next();
    });
    const { trustedProxies } = settings.auth;
    if (trustedProxies !== undefined) {
      app.set('trust proxy', typeof trustedProxies === 'number' ? trustedProxies : [...trustedProxies]);
    }
    app.use(requestLog(settings.operations.metricsEnabled ? app.get(MetricsService) : undefined, loggers?.request));
    // Every event the request records names its client and id (and its user, once authenticated: AuthGuard).
    app.use((request: Request, response: Response, next: NextFunction) =>
      runWithAuditOrigin(
        { client: request.ip, requestId: String(response.getHeader(REQUEST_ID_HEADER) ?? '') || undefined },
        next,
      ),
    );
    // Not strict: `null`, `42` or `"text"` are JSON too, and get the validation error their shape deserves.
    app.useBodyParser('json', { limit: BODY_LIMIT, strict: false });
    app.useBodyParser('urlencoded', { extended: false, limit: BODY_LIMIT });
    if (settings.baseUrl !== '/') app.setGlobalPrefix(settings.baseUrl.slice(1, -1));
    if (settings.corsOrigins.length > 0) {
      // Never credentialed: Argilla's clients send their key in a header, not a cookie.
      app.enableCors({
        origin: settings.corsOrigins.includes('*') ? '*' : [...settings.corsOrigins],
        credentials: false,
        allowedHeaders: ['Authorization', 'Content-Type', 'X-Argilla-Api-Key', 'X-Request-Id'],
        exposedHeaders: ['X-Request-Id', 'Retry-After'],
      });
    }
    if (settings.docsEnabled) setUpSwagger(app);

    const database = app.get(Database);
    await assertSchemaAtHead(await database.migrations());
    app.get(AuthService).signingSecret();
    await app.get(DefaultUserService).bootstrap(settings.defaultUser);
    await app.init();
    return app;
  } catch (error) {
    await app.close();
    throw error;
  }
}

/**
 * A path with a malformed percent-escape (`/api/users/%zz`) would fail in the router, before authentication,
 * as a 400. Escaping its `%` signs lets it through as literal text: the guard answers first (401 without
 * credentials), then the id check names the parameter (422), as for any other id that is not a UUID.
 */
function escapeMalformedPercents(request: Request, _response: Response, next: NextFunction): void {
  const queryAt = request.url.indexOf('?');
  const path = queryAt < 0 ? request.url : request.url.slice(0, queryAt);
  try {
    decodeURIComponent(path);
  } catch {
    request.url = path.replace(/%/g, '%25') + (queryAt < 0 ? '' : request.url.slice(queryAt));
  }
  next();
}
