import {
  assertNotAborting,
  Child,
  childEnv,
  freePort,
  SERVER,
  startNode,
  waitForBuild,
  waitForHttp,
} from './processes';
import { GeneratedUser, PASSWORD_1234 } from './users-file';

/** The bench's JWT secret (fixed: never for production). */
export const SECRET_KEY = 'argilla-bench-fixed-secret-key-not-for-production-0123456789';
const PREPARATION_LOGIN_CONCURRENCY = 4;

// The server under test and the requests that prepare a load.

export interface RunningServer {
  child: Child;
  baseUrl: string;
}

/** Starts the server of this checkout, or the one at `script` (another checkout's build, for bench:compare). */
export async function startServer(env: Record<string, string>, script = SERVER): Promise<RunningServer> {
  if (script === SERVER) await waitForBuild();
  const port = await freePort();
  const child = startNode(
    'argilla-server',
    script,
    [],
    childEnv({
      ...env,
      ARGILLA_HOST: '127.0.0.1',
      ARGILLA_PORT: String(port),
      ARGILLA_LOCAL_AUTH_SECRET_KEY: SECRET_KEY,
      ARGILLA_LOG_LEVEL: 'warn',
      ARGILLA_LOGIN_MAX_FAILURES: '1000000',
      ARGILLA_LOGIN_MAX_FAILURES_PER_USER: '1000000',
      ARGILLA_LOGIN_MAX_FAILURES_PER_CLIENT: '1000000',
      // Metrics are counted only when /metrics is served: measured with them, as where Prometheus scrapes.
      ARGILLA_METRICS_TOKEN: 'argilla-bench-metrics-token-not-for-production-0123456789',
    }),
  );
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitForHttp(`${baseUrl}/api/_status`, child);
  return { child, baseUrl };
}

export async function getText(url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(30_000) });
  return { status: response.status, body: await response.text() };
}

export async function login(baseUrl: string, username: string, password: string): Promise<string> {
  const response = await fetch(`${baseUrl}/api/security/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username, password }).toString(),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`Login of '${username}' failed: HTTP ${response.status} ${text}`);
  return (JSON.parse(text) as { access_token: string }).access_token;
}

export function assertAlive(...servers: RunningServer[]): void {
  for (const { child } of servers) {
    if (child.hasExited()) throw new Error(`${child.name} exited during the benchmark:\n${child.output().trim()}`);
  }
}

/** Logs every user in (a bounded number at a time): the first login also rehashes bcrypt to argon2id. */
export async function loginAll(baseUrl: string, users: readonly GeneratedUser[]): Promise<string[]> {
  const tokens: string[] = new Array<string>(users.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < users.length) {
      assertNotAborting();
      const index = next++;
      tokens[index] = await login(baseUrl, users[index].username, PASSWORD_1234);
    }
  };
  await Promise.all(Array.from({ length: PREPARATION_LOGIN_CONCURRENCY }, worker));
  return tokens;
}
