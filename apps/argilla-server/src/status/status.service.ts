import { Injectable } from '@nestjs/common';
import { Database, DatabaseUnavailableError, isDatabaseUnavailable } from '@argilla/database';
import { SERVER_VERSION } from '@argilla/config';

/** A health check must answer quickly even when the database hangs. */
const DATABASE_CHECK_TIMEOUT_MS = 3_000;

export interface ServerStatus {
  version: string;
  database: { engine: 'sqlite' | 'postgresql'; status: 'ok' };
  mem_info: { rss: number; heap_used: number };
}

@Injectable()
export class StatusService {
  constructor(private readonly database: Database) {}

  info(): { version: string } {
    return { version: SERVER_VERSION };
  }

  /** Throws DatabaseUnavailableError (503) when the database does not answer. */
  async status(): Promise<ServerStatus> {
    await this.pingDatabase();
    const memory = process.memoryUsage();
    return {
      version: SERVER_VERSION,
      database: { engine: this.database.engine === 'postgres' ? 'postgresql' : 'sqlite', status: 'ok' },
      mem_info: { rss: memory.rss, heap_used: memory.heapUsed },
    };
  }

  private async pingDatabase(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new DatabaseUnavailableError()), DATABASE_CHECK_TIMEOUT_MS);
    });
    try {
      const dataSource = await Promise.race([this.database.dataSource(), timeout]);
      await Promise.race([dataSource.query('SELECT 1'), timeout]);
    } catch (error) {
      if (isDatabaseUnavailable(error)) throw new DatabaseUnavailableError(error);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }
}
