import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { LoginThrottle } from '@argilla/auth';

const PURGE_EVERY_MS = 60_000;

/** Every minute, forgets failed-login counters that can no longer lock anyone (so sprayed usernames do not pile up). */
@Injectable()
export class LoginCountersPurge implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('LoginThrottle');
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly throttle: LoginThrottle) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.throttle.purgeExpired().catch((error: Error) => this.logger.warn(`Purge failed: ${error.message}`));
    }, PURGE_EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}
