import { ConsoleLogger, LoggerService, LogLevel } from '@nestjs/common';
import { DestinationStream, Level, Logger as Pino, pino } from 'pino';
import type { Settings } from '@argilla/config';

/** What the request log writes for each answered request, besides `time`, `level`, `context` and `msg`. */
export interface RequestLogEntry {
  method: string;
  path: string;
  status: number;
  duration_ms: number;
  request_id: string;
}

/** The server's loggers, as the settings ask. */
export interface ServerLoggers {
  /** Nest's logger: every `new Logger(context)` in the app writes through it. */
  readonly app: LoggerService;
  /** Writes one request line; undefined below `info`, so that no request line is even built. */
  readonly request: ((entry: RequestLogEntry) => void) | undefined;
}

const LEVELS_BY_NAME: Record<Settings['operations']['logLevel'], LogLevel[]> = {
  error: ['fatal', 'error'],
  warn: ['fatal', 'error', 'warn'],
  info: ['fatal', 'error', 'warn', 'log'],
  debug: ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'],
};

const PINO_LEVELS: Record<LogLevel, Level> = {
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
  verbose: 'debug',
};

/**
 * JSON lines on standard output (`time`, `level`, `context`, `msg`, and the fields of the request log) for log
 * collectors (Loki, CloudWatch, Elasticsearch), or Nest's text for a terminal. `destination` is for tests.
 */
export function createLoggers(operations: Settings['operations'], destination?: DestinationStream): ServerLoggers {
  if (operations.logFormat === 'text') {
    const levels = LEVELS_BY_NAME[operations.logLevel];
    const app = new ConsoleLogger({ logLevels: levels });
    const request = levels.includes('log')
      ? (entry: RequestLogEntry) =>
          app.log(
            `${entry.method} ${entry.path} ${entry.status} ${entry.duration_ms} ms (request ${entry.request_id})`,
            'http',
          )
      : undefined;
    return { app, request };
  }
  // Synchronous writes to standard output, as Node writes to a pipe: a line is out before the request ends, none is
  // lost when the process dies, and a slow log reader slows the server down instead of filling its memory.
  const root = pino(
    {
      level: operations.logLevel,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination ?? pino.destination({ dest: 1, sync: true }),
  );
  // Its `context` is serialised once, not on every request.
  const http = root.child({ context: 'http' });
  const request = root.isLevelEnabled('info')
    ? (entry: RequestLogEntry) => http.info(entry, `${entry.method} ${entry.path} ${entry.status}`)
    : undefined;
  return { app: new PinoNestLogger(root), request };
}

/** Nest's logger calls, as pino lines: Nest's `log` and `verbose` are pino's `info` and `debug`. */
class PinoNestLogger implements LoggerService {
  constructor(private readonly pino: Pino) {}

  log(message: unknown, ...rest: unknown[]): void {
    this.write('log', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('verbose', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  private write(level: LogLevel, message: unknown, rest: unknown[]): void {
    const target = PINO_LEVELS[level];
    if (!this.pino.isLevelEnabled(target)) return;
    // Nest passes (message, context) and, for errors, (message, stack, context).
    const context = typeof rest[rest.length - 1] === 'string' ? (rest[rest.length - 1] as string) : undefined;
    const stack = level === 'error' && rest.length > 1 && typeof rest[0] === 'string' ? rest[0] : undefined;
    // A plain object's fields become the line's fields (its `msg` too); an Error gives its message only.
    const fields =
      typeof message === 'object' && message !== null && !(message instanceof Error)
        ? (message as Record<string, unknown>)
        : {};
    const msg = typeof message === 'string' ? message : message instanceof Error ? message.message : fields.msg;
    this.pino[target]({ context, ...fields, msg, stack });
  }
}
