import { ConsoleLogger } from '@nestjs/common';
import type { Settings } from '@argilla/config';
import { createLoggers } from './logger';

type Operations = Settings['operations'];

function operations(logLevel: Operations['logLevel'], logFormat: Operations['logFormat'] = 'json'): Operations {
  return {
    logFormat,
    logLevel,
    metricsEnabled: false,
    metricsToken: undefined,
    shutdownTimeoutSeconds: 10,
    migrateOnStart: true,
  };
}

/** The JSON loggers at a level, writing their lines, parsed, into `lines`. */
function jsonLoggers(logLevel: Operations['logLevel']) {
  const lines: Record<string, unknown>[] = [];
  const loggers = createLoggers(operations(logLevel), { write: (line: string) => lines.push(JSON.parse(line)) });
  return { ...loggers, lines };
}

const TIME = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

describe('createLoggers (json)', () => {
  it("writes Nest's calls as one object per line: time, level, context, msg, and an error's stack", () => {
    const { app, lines } = jsonLoggers('info');
    app.log('Listening on http://127.0.0.1:6900/', 'ArgillaServer');
    app.warn('Could not time the password verifications', 'Auth');
    app.error('Shutdown failed', 'Error: boom\n    at main', 'ArgillaServer');
    app.error(new Error('Unexpected'));
    expect(lines).toEqual([
      { time: TIME, level: 'info', context: 'ArgillaServer', msg: 'Listening on http://127.0.0.1:6900/' },
      { time: TIME, level: 'warn', context: 'Auth', msg: 'Could not time the password verifications' },
      {
        time: TIME,
        level: 'error',
        context: 'ArgillaServer',
        msg: 'Shutdown failed',
        stack: 'Error: boom\n    at main',
      },
      { time: TIME, level: 'error', msg: 'Unexpected' },
    ]);
  });

  it("writes a plain object's fields as the line's fields", () => {
    const { app, lines } = jsonLoggers('info');
    app.log({ msg: 'Imported', users: 3, dry_run: false }, 'Import');
    expect(lines).toEqual([
      { time: TIME, level: 'info', context: 'Import', msg: 'Imported', users: 3, dry_run: false },
    ]);
  });

  it("writes Nest's debug and verbose as debug, only at ARGILLA_LOG_LEVEL=debug", () => {
    const debug = jsonLoggers('debug');
    debug.app.debug!('one', 'A');
    debug.app.verbose!('two', 'B');
    expect(debug.lines).toEqual([
      { time: TIME, level: 'debug', context: 'A', msg: 'one' },
      { time: TIME, level: 'debug', context: 'B', msg: 'two' },
    ]);
    const info = jsonLoggers('info');
    info.app.debug!('one', 'A');
    info.app.verbose!('two', 'B');
    expect(info.lines).toEqual([]);
  });

  it('at warn, writes warnings, errors and fatal errors only', () => {
    const { app, lines } = jsonLoggers('warn');
    app.log('info', 'A');
    app.warn('warn', 'A');
    app.error('error', 'A');
    app.fatal!('fatal', 'A');
    expect(lines.map((line) => [line.level, line.msg])).toEqual([
      ['warn', 'warn'],
      ['error', 'error'],
      ['fatal', 'fatal'],
    ]);
  });

  it('at error, writes errors and fatal errors only', () => {
    const { app, lines } = jsonLoggers('error');
    app.warn('warn', 'A');
    app.error('error', 'A');
    app.fatal!('fatal', 'A');
    expect(lines.map((line) => line.level)).toEqual(['error', 'fatal']);
  });

  it('writes a request line with the context http, its msg and its fields', () => {
    const { request, lines } = jsonLoggers('info');
    request!({ method: 'GET', path: '/api/me', status: 200, duration_ms: 1.234, request_id: 'trace-abc.123' });
    expect(lines).toEqual([
      {
        time: TIME,
        level: 'info',
        context: 'http',
        msg: 'GET /api/me 200',
        method: 'GET',
        path: '/api/me',
        status: 200,
        duration_ms: 1.234,
        request_id: 'trace-abc.123',
      },
    ]);
  });

  it('has no request log below info', () => {
    expect(jsonLoggers('warn').request).toBeUndefined();
    expect(jsonLoggers('error').request).toBeUndefined();
    expect(jsonLoggers('debug').request).toBeDefined();
  });
});

describe('createLoggers (text)', () => {
  it("uses Nest's console logger, with a request log at info and debug only", () => {
    const info = createLoggers(operations('info', 'text'));
    expect(info.app).toBeInstanceOf(ConsoleLogger);
    expect(info.request).toBeDefined();
    expect(createLoggers(operations('debug', 'text')).request).toBeDefined();
    expect(createLoggers(operations('warn', 'text')).request).toBeUndefined();
  });
});
