import { spawn, ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { childEnv } from './cli';

const SCRIPT = join(__dirname, 'oidc-provider.mjs');

/** A running test OpenID provider (test/support/oidc-provider.mjs) and how to give its accounts claims. */
export interface TestProvider {
  readonly issuer: string;
  /** From now on, account `id` signs in with these claims (and `sub: id`). */
  setAccount(id: string, claims: Record<string, unknown>): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the provider on 127.0.0.1:`port`, accepting `redirectUris`; resolves once it listens. */
export function startProvider(port: number, redirectUris: string[]): Promise<TestProvider> {
  const child: ChildProcess = spawn(process.execPath, [SCRIPT, String(port), ...redirectUris], {
    env: childEnv({ NODE_PATH: join(__dirname, '..', '..', 'node_modules') }),
    cwd: join(__dirname, '..', '..'),
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('close', (code) => reject(new Error(`The test provider exited (${code}): ${output}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const ready = /READY (\S+)/.exec(output);
      if (!ready) return;
      const issuer = ready[1];
      resolve({
        issuer,
        async setAccount(id, claims) {
          const response = await fetch(`${issuer}/__accounts/${encodeURIComponent(id)}`, {
            method: 'PUT',
            body: JSON.stringify(claims),
          });
          if (response.status !== 204) throw new Error(`setAccount: ${response.status}`);
        },
        async stop() {
          child.kill('SIGTERM');
          await exited;
        },
      });
    });
  });
}

/** Cookies by name, for one origin (paths ignored: enough for these flows). */
class CookieJar {
  private readonly cookies = new Map<string, string>();

  take(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      const expired = attributes.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a) || /^\s*max-age=0\s*$/i.test(a));
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

export interface StartedSignIn {
  /** The answer of `.../authentication`. */
  readonly status: number;
  /** Where it sends the browser (the provider's authorization endpoint). */
  readonly location: string;
  /** The whole Set-Cookie line of the state cookie. */
  readonly setCookie: string;
  /** `name=value` of the state cookie, as the browser sends it back. */
  readonly cookie: string;
}

/** Step 1: the server's authentication route. */
export async function startSignIn(server: string, provider: string): Promise<StartedSignIn> {
  const response = await fetch(`${server}/api/v1/oauth2/providers/${provider}/authentication`, { redirect: 'manual' });
  const setCookie = response.headers.getSetCookie().find((line) => line.startsWith(`${provider}_oauth2_state=`)) ?? '';
  return {
    status: response.status,
    location: response.headers.get('location') ?? '',
    setCookie,
    cookie: setCookie.split(';')[0],
  };
}

/**
 * Step 2, the user at the provider: follows the provider's redirects, logging in as `account` and consenting
 * when asked, until the provider sends the browser back to the redirect URI. Resolves with that URL.
 */
export async function authorizeAt(location: string, account: string): Promise<URL> {
  const jar = new CookieJar();
  let url = new URL(location);
  const issuerOrigin = url.origin;
  // Bounded: authorization, login, resume, consent, resume, then the redirect URI.
  for (let step = 0; step < 10; step++) {
    if (url.origin !== issuerOrigin) return url;
    if (url.pathname.startsWith('/interaction/')) url.searchParams.set('account', account);
    const response = await fetch(url, { redirect: 'manual', headers: { cookie: jar.header() } });
    jar.take(response);
    const next = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || !next) {
      throw new Error(`The provider answered ${response.status} at ${url.pathname}: ${await response.text()}`);
    }
    url = new URL(next, url);
  }
  throw new Error('The provider never redirected back');
}

/** Step 3: the server's access-token route, with the callback's parameters and the state cookie. */
export async function exchangeCode(
  server: string,
  provider: string,
  parameters: URLSearchParams,
  cookie: string | undefined,
): Promise<{ status: number; body: unknown; setCookie: string[] }> {
  const response = await fetch(`${server}/api/v1/oauth2/providers/${provider}/access-token?${parameters}`, {
    headers: cookie ? { cookie } : {},
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null, setCookie: response.headers.getSetCookie() };
}

/** The whole flow as a browser would run it; resolves with the access-token answer. */
export async function signIn(
  server: string,
  provider: string,
  account: string,
): Promise<{ status: number; body: unknown; setCookie: string[] }> {
  const started = await startSignIn(server, provider);
  if (started.status !== 303) throw new Error(`authentication answered ${started.status}`);
  const callback = await authorizeAt(started.location, account);
  return exchangeCode(server, provider, callback.searchParams, started.cookie);
}
