import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { Database } from '@argilla/database';

/** The part of node-postgres' Pool that the pool gauges read. */
interface PoolCounts {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/** Prometheus metrics: requests by route, status and duration; logins by outcome; database pool use. */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'argilla_http_requests_total',
    help: 'HTTP requests answered, by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  private readonly durations = new Histogram({
    name: 'argilla_http_request_duration_seconds',
    help: 'Time to answer HTTP requests, by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  private readonly inFlight = new Gauge({
    name: 'argilla_http_requests_in_flight',
    help: 'HTTP requests being answered now',
    registers: [this.registry],
  });
  private readonly logins = new Counter({
    name: 'argilla_logins_total',
    help: 'Logins at POST /api/security/token, by outcome (success, failure, throttled, error)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  constructor(database: Database) {
    collectDefaultMetrics({ register: this.registry, prefix: 'argilla_' });
    const pool = async (): Promise<PoolCounts | undefined> => {
      if (database.engine !== 'postgres') return undefined;
      const driver = (await database.dataSource()).driver as unknown as { master?: PoolCounts };
      return driver.master;
    };
    const poolGauge = (name: string, help: string, read: (counts: PoolCounts) => number): void => {
      new Gauge({
        name,
        help,
        registers: [this.registry],
        async collect() {
          const counts = await pool().catch(() => undefined);
          if (counts) this.set(read(counts));
        },
      });
    };
    poolGauge('argilla_db_pool_connections', 'Connections open in the PostgreSQL pool', (c) => c.totalCount);
    poolGauge('argilla_db_pool_idle_connections', 'Idle connections in the PostgreSQL pool', (c) => c.idleCount);
    poolGauge('argilla_db_pool_waiting_requests', 'Queries waiting for a pool connection', (c) => c.waitingCount);
  }

  requestStarted(): void {
    this.inFlight.inc();
  }

  requestFinished(method: string, route: string, status: number, seconds: number): void {
    this.inFlight.dec();
    const labels = { method, route, status: String(status) };
    this.requests.inc(labels);
    this.durations.observe(labels, seconds);
  }

  login(outcome: 'success' | 'failure' | 'throttled' | 'error'): void {
    this.logins.inc({ outcome });
  }
}
