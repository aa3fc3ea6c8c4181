import { Agent, request as httpRequest } from 'node:http';
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

/**
 * Ports are handed out from a range of 500 of this jest worker's own, below the kernel's ephemeral range
 * (32768–60999 on Linux): a port the kernel picked for `listen(0)` could be picked again for another worker's server
 * before this one binds it, and a server answering there would be taken for this one. The range depends on the
 * jest run too (the parent's process id), so that two runs on one machine rarely share one.
 */
const RANGES = 25;
let nextPort = 20_000 + ((Number(process.env.JEST_WORKER_ID ?? 0) + (process.ppid % RANGES) * 7) % RANGES) * 500;

function canListen(port: number): Promise<boolean> {
  return import('node:net').then(
    ({ createServer }) =>
      new Promise((resolve) => {
        const server = createServer();
        server.once('error', () => resolve(false));
        server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
      }),
  );
}

/** A port nobody listens on right now, and that no other jest worker hands out. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 1_000; attempt++) {
    const port = nextPort++;
    if (await canListen(port)) return port;
  }
  throw new Error("No free port in this worker's range");
}

/** POST /api/security/token over a keep-alive agent; resolves with the status. */
export function postLogin(agent: Agent, port: number, username: string, password: string): Promise<number> {
  const body = new URLSearchParams({ username, password }).toString();
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        agent,
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/api/security/token',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
