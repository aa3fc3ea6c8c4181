import { createHash, timingSafeEqual } from 'node:crypto';
import { Controller, Get, Headers, Inject, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { UnauthorizedError } from '@argilla/common';
import { Settings, SETTINGS } from '@argilla/config';
import { Access } from '../auth/access.decorator';
import { MetricsService } from './metrics.service';

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** SHA-256 first, so that the comparison takes as long whatever the length of what was sent. */
const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/**
 * Prometheus scrape target (not part of the Argilla API, so not in its OpenAPI document). Registered only when
 * `ARGILLA_METRICS_TOKEN` is set, and answered only to `Authorization: Bearer <that token>`: users' API keys and
 * JWTs do not open it. Public to the API's guard, which would otherwise ask for a user.
 */
@ApiExcludeController()
@Access('public')
@Controller()
export class MetricsController {
  private readonly token: Buffer;

  constructor(
    private readonly metrics: MetricsService,
    @Inject(SETTINGS) settings: Settings,
  ) {
    const { metricsToken } = settings.operations;
    if (metricsToken === undefined) throw new Error('MetricsController needs ARGILLA_METRICS_TOKEN');
    this.token = digest(metricsToken);
  }

  @Get('metrics')
  scrape(
    @Headers('authorization') authorization: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<string> {
    const bearer = BEARER.exec(authorization ?? '');
    if (!bearer || !timingSafeEqual(digest(bearer[1]), this.token)) throw new UnauthorizedError();
    // Set here, not with @Header: that one is set before the handler runs, and a 401 must stay JSON.
    response.setHeader('Content-Type', 'text/plain; version=0.0.4; charset=utf-8');
    return this.metrics.registry.metrics();
  }
}
