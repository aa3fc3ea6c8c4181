import { ConsoleLogger, LoggerService, LogLevel } from '@nestjs/common';
import type { Settings } from '@argilla/config';

const LEVELS_BY_NAME: Record<Settings['operations']['logLevel'], LogLevel[]> = {
  error: ['fatal', 'error'],
  warn: ['fatal', 'error', 'warn'],
  info: ['fatal', 'error', 'warn', 'log'],
  debug: ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'],
};

const LEVEL_NAMES: Record<LogLevel, string> = {
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
  verbose: 'debug',
};

/** Extra fields of a structured line (e.g. the request log). */
export type LogFields = Record<string, string | number | boolean | undefined>;

/**
 * One JSON object per line on standard output: `time`, `level`, `context`, `msg`, and any fields given as the
 * message object. What log collectors (Loki, CloudWatch, Elasticsearch) parse without configuration.
 */
export class JsonLogger implements LoggerService {
  private readonly enabled: Set<LogLevel>;

  constructor(levels: LogLevel[]) {
    this.enabled = new Set(levels);
  }

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
  setLogLevels(levels: LogLevel[]): void {
    this.enabled.clear();
    levels.forEach((level) => this.enabled.add(level));
  }

  private write(level: LogLevel, message: unknown, rest: unknown[]): void {
    if (!this.enabled.has(level)) return;
    // Nest passes (message, context) and, for errors, (message, stack, context).
    const context = typeof rest[rest.length - 1] === 'string' ? (rest[rest.length - 1] as string) : undefined;
    const stack = level === 'error' && rest.length > 1 && typeof rest[0] === 'string' ? rest[0] : undefined;
    const fields =
      typeof message === 'object' && message !== null && !(message instanceof Error) ? (message as LogFields) : {};
    const msg =
      typeof message === 'string' ? message : message instanceof Error ? message.message : (fields.msg ?? undefined);
    const line = { time: new Date().toISOString(), level: LEVEL_NAMES[level], context, ...fields, msg, stack };
    process.stdout.write(JSON.stringify(line) + '\n');
  }
}

/** The server's logger, as the settings ask: JSON lines, or Nest's text for a terminal. */
export function createLogger(operations: Settings['operations']): LoggerService {
  const levels = LEVELS_BY_NAME[operations.logLevel];
  if (operations.logFormat === 'json') return new JsonLogger(levels);
  return new ConsoleLogger({ logLevels: levels });
}
