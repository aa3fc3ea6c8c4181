import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { PersonalAccessTokensService } from '@argilla/users';

const PURGE_EVERY_MS = 3_600_000;

/**
 * Every hour, deletes the expired personal access tokens (those presented are deleted as they are met; this takes
 * the ones nobody presents any more).
 */
@Injectable()
export class AccessTokensPurge implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('AccessTokens');
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly tokens: PersonalAccessTokensService) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.purge(), PURGE_EVERY_MS);
    this.timer.unref();
  }

  /** One sweep; a failure is logged, and the next sweep tries again. */
  async purge(): Promise<void> {
    try {
      const deleted = await this.tokens.purgeExpired();
      if (deleted > 0) this.logger.log(`Deleted ${deleted} expired personal access token${deleted === 1 ? '' : 's'}`);
    } catch (error) {
      this.logger.warn(`Purge failed: ${(error as Error).message}`);
    }
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}
