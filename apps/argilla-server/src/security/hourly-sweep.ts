import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { SETTINGS, Settings } from '@argilla/config';
import { AuditLog } from '@argilla/database';
import { PersonalAccessTokensService, UserSessionsService } from '@argilla/users';

const SWEEP_EVERY_MS = 3_600_000;
const DAY_MS = 86_400_000;

/**
 * Every hour, deletes what has outlived its time: expired personal access tokens and sessions (an expired token
 * presented is deleted as it is met, and an expired session's JWT is refused by its own expiry; this takes the rows
 * nobody presents any more), and audit events older than `ARGILLA_AUDIT_RETENTION_DAYS` (in batches, so that no
 * request waits on a long statement).
 */
@Injectable()
export class HourlySweep implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Sweep');
  private timer: NodeJS.Timeout | undefined;

  constructor(
    @Inject(SETTINGS) private readonly settings: Settings,
    private readonly tokens: PersonalAccessTokensService,
    private readonly sessions: UserSessionsService,
    private readonly audit: AuditLog,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sweep(), SWEEP_EVERY_MS);
    this.timer.unref();
  }

  /** One sweep; a failure is logged, and the next sweep tries again. */
  async sweep(): Promise<void> {
    await this.run('expired personal access token', () => this.tokens.purgeExpired());
    await this.run('expired session', () => this.sessions.purgeExpired());
    const days = this.settings.auth.auditRetentionDays;
    if (days > 0) {
      await this.run('audit event', () => this.audit.deleteOlderThan(new Date(Date.now() - days * DAY_MS)));
    }
  }

  private async run(what: string, purge: () => Promise<number>): Promise<void> {
    try {
      const deleted = await purge();
      if (deleted > 0) this.logger.log(`Deleted ${deleted} ${what}${deleted === 1 ? '' : 's'}`);
    } catch (error) {
      this.logger.warn(`Deleting ${what}s failed: ${(error as Error).message}`);
    }
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}
