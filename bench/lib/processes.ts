import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

export const ROOT = join(__dirname, '..', '..');
export const CLI = join(ROOT, 'dist', 'apps', 'argilla-cli', 'main.js');
/** The commands without the launcher, so without the compile cache. */
export const CLI_WITHOUT_CACHE = join(ROOT, 'dist', 'apps', 'argilla-cli', 'cli.js');
export const SERVER = join(ROOT, 'dist', 'apps', 'argilla-server', 'main.js');

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------------------------
// Cleanup: everything the bench creates (children, databases, folders) registers how to undo it. The undo steps
// run in reverse order at the end, on failure, and on SIGINT/SIGTERM/SIGHUP.

type CleanupStep = () => Promise<void> | void;
const cleanupSteps: { name: string; step: CleanupStep }[] = [];
let aborting = false;

export class AbortedError extends Error {
  constructor() {
    super('Interrupted');
    this.name = 'AbortedError';
  }
}

export function isAborting(): boolean {
  return aborting;
}

export function assertNotAborting(): void {
  if (aborting) throw new AbortedError();
}

/** Registers an undo step; returns a function that runs it now (once) and forgets it. */
export function onCleanup(name: string, step: CleanupStep): () => Promise<void> {
  const entry = { name, step };
  cleanupSteps.push(entry);
  let done = false;
  return async () => {
    if (done) return;
    done = true;
    const index = cleanupSteps.indexOf(entry);
    if (index >= 0) cleanupSteps.splice(index, 1);
    await step();
  };
}

let cleaning: Promise<void> | undefined;

/**
 * Runs every registered step, newest first; a failing step is reported and does not stop the others. Concurrent
 * calls (the end of main and a signal) share one pass.
 */
export function runCleanups(): Promise<void> {
  cleaning ??= (async () => {
    while (cleanupSteps.length > 0) {
      const { name, step } = cleanupSteps.pop()!;
      try {
        await withTimeout(Promise.resolve(step()), 20_000, `cleanup '${name}' timed out`);
      } catch (error) {
        console.error(`Cleanup '${name}' failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  })().finally(() => {
    cleaning = undefined;
  });
  return cleaning;
}

/**
 * On the first signal: stop, clean up, exit 130. A Ctrl-C under `npm run` arrives twice (from the terminal and
 * forwarded by npm), so only a signal more than 3 seconds after the first forces an exit without cleaning up.
 */
export function installSignalHandlers(beforeCleanup: () => void): void {
  let firstSignalAt: number | undefined;
  const handle = (signal: NodeJS.Signals): void => {
    if (firstSignalAt !== undefined) {
      if (Date.now() - firstSignalAt > 3_000) process.exit(130);
      return;
    }
    firstSignalAt = Date.now();
    aborting = true;
    console.error(`\n${signal} received: cleaning up…`);
    beforeCleanup();
    void runCleanups().finally(() => process.exit(130));
  };
  process.on('SIGINT', handle);
  process.on('SIGTERM', handle);
  process.on('SIGHUP', handle);
}

export async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The build: other people may rebuild while the bench runs (the build empties dist/ first).

/** Waits (up to 5 minutes) until both bundles exist and have not changed for 3 seconds. */
export async function waitForBuild(): Promise<void> {
  const deadline = Date.now() + 300_000;
  let warned = false;
  while (Date.now() < deadline) {
    assertNotAborting();
    const ready = [CLI, SERVER].every((file) => existsSync(file) && Date.now() - statSync(file).mtimeMs > 3_000);
    if (ready) return;
    if (!warned) console.error('Waiting for dist/ (a build is under way)…');
    warned = true;
    await sleep(1_000);
  }
  throw new Error('dist/apps/argilla-server/main.js or dist/apps/argilla-cli/main.js is missing: run npm run build');
}

// ---------------------------------------------------------------------------------------------------------------
// Child processes

/** A clean environment: nothing from the caller's ARGILLA_* variables leaks into the measured processes. */
export function childEnv(extra: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...extra };
}

class Tail {
  private text = '';
  constructor(private readonly limit = 16_384) {}
  push(chunk: Buffer): void {
    this.text = (this.text + chunk.toString('utf8')).slice(-this.limit);
  }
  toString(): string {
    return this.text;
  }
}

export interface Child {
  readonly name: string;
  readonly pid: number;
  readonly process: ChildProcess;
  /** Resolves with the exit code (or the signal's name) when the process has ended. */
  readonly exited: Promise<number | string>;
  hasExited(): boolean;
  /** The last 16 KiB of its standard output and error. */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it has ended. */
  stop(graceMs?: number): Promise<void>;
}

export function startNode(name: string, script: string, args: string[], env: Record<string, string>): Child {
  assertNotAborting();
  const child = spawn(process.execPath, [script, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'], cwd: ROOT });
  const tail = new Tail();
  child.stdout?.on('data', (chunk: Buffer) => tail.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => tail.push(chunk));
  let ended = false;
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      ended = true;
      resolve(code ?? signal ?? 'unknown');
    });
    child.once('error', (error) => {
      ended = true;
      tail.push(Buffer.from(String(error)));
      resolve('spawn error');
    });
  });
  const kill = async (graceMs = 5_000): Promise<void> => {
    if (ended) return;
    child.kill('SIGTERM');
    const stopped = await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)]);
    if (!stopped && !ended) {
      child.kill('SIGKILL');
      await Promise.race([exited, sleep(2_000)]);
    }
  };
  const stop = onCleanup(`${name} (pid ${child.pid})`, () => kill());
  return {
    name,
    pid: child.pid ?? -1,
    process: child,
    exited,
    hasExited: () => ended,
    output: () => tail.toString(),
    stop: async (graceMs?: number) => {
      await kill(graceMs);
      await stop();
    },
  };
}

/** What a missing or half-written bundle looks like (not an error of the CLI itself). */
const MISSING_BUILD =
  /Cannot find module '[^']*dist\/apps\/argilla-cli\/main\.js'|dist\/apps\/argilla-cli\/main\.js:\d+[\s\S]*SyntaxError/;

/**
 * Runs `argilla-cli <args>` and returns its wall time in seconds (spawn to exit). Retried (up to 3 times) only
 * when the bundle vanished or was half-written by a concurrent build.
 */
export async function runCli(args: string[], env: Record<string, string>, script = CLI): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    await waitForBuild();
    const started = performance.now();
    const child = startNode(`argilla-cli ${args[0] ?? ''}`, script, args, env);
    const code = await child.exited;
    const seconds = (performance.now() - started) / 1000;
    await child.stop();
    if (code === 0) return seconds;
    assertNotAborting();
    if (attempt < 3 && MISSING_BUILD.test(child.output())) continue;
    throw new Error(`argilla-cli ${args.join(' ')} failed (${code}):\n${child.output().trim()}`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// HTTP helpers (127.0.0.1 only)

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

/** Polls `url` until it answers 200, the child dies, or `timeoutMs` passes. */
export async function waitForHttp(
  url: string,
  child: Child,
  headers: Record<string, string> = {},
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    assertNotAborting();
    if (child.hasExited()) throw new Error(`${child.name} exited before it was ready:\n${child.output().trim()}`);
    try {
      const response = await fetch(url, { headers, signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      if (response.status === 200) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await sleep(200);
  }
  throw new Error(`${child.name} was not ready at ${url} after ${timeoutMs / 1000} s (${last}):\n${child.output()}`);
}

/** Resident set size of a process in bytes, from /proc (Linux). */
export function rssOf(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}
