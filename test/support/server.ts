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
 * Starts the built server as a process on a free port and waits until it prints that it listens
 * (or exits). Resolves with the process; `exited` resolves with its exit code.
 */
export function spawnServer(env: Record<string, string>, port: number): Promise<ServerProcess> {
  const child = spawn(process.execPath, [SERVER_PATH], {
    env: childEnv({ ...env, ARGILLA_PORT: String(port), ARGILLA_HOST: '127.0.0.1' }),
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return new Promise((resolve) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.includes('Listening on')) resolve(server);
    };
    const server: ServerProcess = { child, port, output: () => output, exited };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then(() => resolve(server));
  });
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
