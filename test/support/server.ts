import { spawn, ChildProcess } from 'node:child_process';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Settings } from '@argilla/config';
import { createServerApp } from '../../apps/argilla-server/src/app';
import { childEnv, SERVER_PATH } from './cli';

/** The real HTTP application, in this process, for supertest. */
export function startApp(settings: Settings): Promise<NestExpressApplication> {
  return createServerApp(settings, { logger: false });
}

export interface ServerProcess {
  child: ChildProcess;
  port: number;
  output: () => string;
  exited: Promise<number | null>;
}

/**
 * Starts the built server as a process on a free port and waits until it answers `GET <base>api/_info` (or
 * exits). Resolves with the process; `exited` resolves with its exit code.
 */
export async function spawnServer(env: Record<string, string>, port: number): Promise<ServerProcess> {
  const child = spawn(process.execPath, [SERVER_PATH], {
    env: childEnv({ ...env, ARGILLA_PORT: String(port), ARGILLA_HOST: '127.0.0.1' }),
  });
  let output = '';
  let exitCode: number | null | undefined;
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      exitCode = code;
      resolve(code);
    }),
  );
  const server: ServerProcess = { child, port, output: () => output, exited };
  const base = (env.ARGILLA_BASE_URL ?? '/').replace(/\/?$/, '/');
  // Bounded: 30 s at most, asking every 50 ms.
  for (let attempt = 0; attempt < 600 && exitCode === undefined; attempt++) {
    const answered = await fetch(`http://127.0.0.1:${port}${base}api/_info`).then(
      (response) => response.ok,
      () => false,
    );
    if (answered) return server;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return server;
}

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}
