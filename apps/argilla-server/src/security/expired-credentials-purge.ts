import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { PersonalAccessTokensService, UserSessionsService } from '@argilla/users';

const PURGE_EVERY_MS = 3_600_000;

/**
 * Every hour, deletes the expired personal access tokens and sessions (an expired token presented is deleted as it
 * is met, and an expired session's JWT is refused by its own expiry; this takes the rows nobody presents any more).
 */
@Injectable()
export class ExpiredCredentialsPurge implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ExpiredCredentials');
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly tokens: PersonalAccessTokensService,
    private readonly sessions: UserSessionsService,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.purge(), PURGE_EVERY_MS);
    this.timer.unref();
  }

  /** One sweep; a failure is logged, and the next sweep tries again. */
  async purge(): Promise<void> {
    await this.sweep('personal access token', () => this.tokens.purgeExpired());
    await this.sweep('session', () => this.sessions.purgeExpired());
  }

  private async sweep(what: string, purge: () => Promise<number>): Promise<void> {
    try {
      const deleted = await purge();
      if (deleted > 0) this.logger.log(`Deleted ${deleted} expired ${what}${deleted === 1 ? '' : 's'}`);
    } catch (error) {
      this.logger.warn(`Purge of expired ${what}s failed: ${(error as Error).message}`);
    }
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}
