import { isIP } from 'node:net';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { loadOAuthSettings, OAUTH_CONFIG_VARIABLE, OAuthSettings } from './oauth-settings';

/** Where the data lives: the embedded SQLite file, or a PostgreSQL server. */
export type DatabaseSettings =
  | { readonly engine: 'sqlite'; readonly path: string }
  | { readonly engine: 'postgres'; readonly url: string; readonly poolSize: number };

export interface Settings {
  readonly homePath: string;
  readonly database: DatabaseSettings;
  readonly host: string;
  readonly port: number;
  /** Always starts and ends with `/`; `/` when the server is mounted at the root. */
  readonly baseUrl: string;
  readonly corsOrigins: readonly string[];
  readonly docsEnabled: boolean;
  readonly auth: {
    /** Undefined when not set: the server then keeps a generated secret under `homePath`. */
    readonly secretKey: string | undefined;
    readonly tokenExpirationMinutes: number;
    readonly usersDbFile: string;
    /**
     * Failed logins for one username from one client address before that pair must wait: `loginDelaySeconds`,
     * doubling at each further failure, up to `lockoutSeconds`.
     */
    readonly maxFailedLogins: number;
    /** The first wait of a (username, client) pair past `maxFailedLogins`. */
    readonly loginDelaySeconds: number;
    /** Failed logins for one username from all clients together within the window before it gets 429. */
    readonly maxFailedLoginsPerUser: number;
    /** Failed logins from one client address within the window before it gets 429 (password spraying). */
    readonly maxFailedLoginsPerClient: number;
    /** How long failures are remembered: from the first of a window, or from the end of a pair's last wait. */
    readonly loginWindowSeconds: number;
    /** The 429 of a username or client past its ceiling; the longest wait of a (username, client) pair. */
    readonly lockoutSeconds: number;
    /**
     * Express's `trust proxy`: which proxies may set X-Forwarded-For (the client address the limit counts): a hop
     * count, or addresses, subnets and the names `loopback`, `linklocal`, `uniquelocal`.
     */
    readonly trustedProxies: number | readonly string[] | undefined;
    /**
     * The hash of new and changed passwords. `bcrypt` writes what Argilla 1.8 can verify (`$2b$12$`) and turns off
     * the upgrade to argon2id at login, so that the database can go back to Argilla.
     */
    readonly passwordHash: PasswordHashName;
    /**
     * The longest lifetime of a personal access token, in days: a token asked for without an expiry expires after
     * it, one asked for longer is refused. 0: no maximum (a token without an expiry never expires).
     */
    readonly accessTokenMaxDays: number;
    /** How long audit events are kept, in days; older ones are deleted by the hourly sweep. 0: kept for ever. */
    readonly auditRetentionDays: number;
  };
  readonly defaultUser: {
    readonly enabled: boolean;
    readonly password: string;
    readonly apiKey: string;
  };
  readonly operations: {
    /** One JSON object per line (for log collectors), or Nest's coloured text for a terminal. */
    readonly logFormat: 'json' | 'text';
    readonly logLevel: LogLevelName;
    /**
     * Prometheus metrics at `/metrics`: collected and served only when `ARGILLA_METRICS_ENABLED` is on and
     * `ARGILLA_METRICS_TOKEN` is set (without a token `/metrics` does not exist).
     */
    readonly metricsEnabled: boolean;
    /** The bearer token a scraper must present to read `/metrics`; undefined when not set. */
    readonly metricsToken: string | undefined;
    /** How long in-flight requests may run after SIGTERM before their connections are closed. */
    readonly shutdownTimeoutSeconds: number;
    /** Read by docker/entrypoint.sh: run `argilla-cli database migrate` before the server (off where a Job migrates). */
    readonly migrateOnStart: boolean;
  };
  /**
   * Single sign-on through OpenID Connect, from the file at `ARGILLA_AUTH_OAUTH_CFG` (default `.oauth.yaml` in the
   * working directory); undefined when that file is absent or says `enabled: false`.
   */
  readonly oauth: OAuthSettings | undefined;
}

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

export const PASSWORD_HASHES = ['argon2id', 'bcrypt'] as const;
export type PasswordHashName = (typeof PASSWORD_HASHES)[number];

/** One bad variable: its name, what it must be, and what it was. */
export interface SettingProblem {
  readonly variable: string;
  readonly message: string;
}

export class InvalidSettingsError extends Error {
  constructor(readonly problems: readonly SettingProblem[]) {
    super('Invalid settings: ' + problems.map((p) => `${p.variable} ${p.message}`).join('; '));
    this.name = 'InvalidSettingsError';
  }
}

/** Every variable the project reads, with its documentation; `.env.example` and docs/configuration.md follow this list. */
export const SETTING_VARIABLES = [
  'ARGILLA_HOME_PATH',
  'ARGILLA_DATABASE_URL',
  'ARGILLA_DATABASE_POOL_SIZE',
  'ARGILLA_HOST',
  'ARGILLA_PORT',
  'ARGILLA_BASE_URL',
  'ARGILLA_CORS_ORIGINS',
  'ARGILLA_DOCS_ENABLED',
  'ARGILLA_LOCAL_AUTH_SECRET_KEY',
  'ARGILLA_LOCAL_AUTH_ALGORITHM',
  'ARGILLA_LOCAL_AUTH_TOKEN_EXPIRATION_IN_MINUTES',
  'ARGILLA_LOCAL_AUTH_USERS_DB_FILE',
  'ARGILLA_LOGIN_MAX_FAILURES',
  'ARGILLA_LOGIN_DELAY_SECONDS',
  'ARGILLA_LOGIN_MAX_FAILURES_PER_USER',
  'ARGILLA_LOGIN_MAX_FAILURES_PER_CLIENT',
  'ARGILLA_LOGIN_WINDOW_SECONDS',
  'ARGILLA_LOGIN_LOCKOUT_SECONDS',
  'ARGILLA_TRUSTED_PROXIES',
  'ARGILLA_PASSWORD_HASH',
  'ARGILLA_AUTH_OAUTH_CFG',
  'ARGILLA_ACCESS_TOKEN_MAX_DAYS',
  'ARGILLA_AUDIT_RETENTION_DAYS',
  'DEFAULT_USER_ENABLED',
  'DEFAULT_USER_PASSWORD',
  'DEFAULT_USER_API_KEY',
  'ARGILLA_LOG_FORMAT',
  'ARGILLA_LOG_LEVEL',
  'ARGILLA_METRICS_ENABLED',
  'ARGILLA_METRICS_TOKEN',
  'ARGILLA_SHUTDOWN_TIMEOUT_SECONDS',
  'ARGILLA_MIGRATE_ON_START',
] as const;

export type SettingVariable = (typeof SETTING_VARIABLES)[number];
type Env = Readonly<Record<string, string | undefined>>;

const TRUE_WORDS = new Set(['true', '1', 'yes', 'on']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'off']);

/**
 * Reads and checks every setting at once, so that one start reports all bad values together.
 * An empty variable counts as unset (compose files pass `${VAR}` through as an empty string).
 */
export function loadSettings(env: Env = process.env): Settings {
  const problems: SettingProblem[] = [];
  const read = (name: SettingVariable): string | undefined => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };
  const fail = (variable: SettingVariable, message: string): undefined => {
    problems.push({ variable, message });
    return undefined;
  };
  const integer = (name: SettingVariable, fallback: number, min: number, max: number): number => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      fail(name, `must be an integer from ${min} to ${max} (got '${raw}')`);
      return fallback;
    }
    return value;
  };
  const boolean = (name: SettingVariable, fallback: boolean): boolean => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    const word = raw.toLowerCase();
    if (TRUE_WORDS.has(word)) return true;
    if (FALSE_WORDS.has(word)) return false;
    fail(name, `must be true or false (got '${raw}')`);
    return fallback;
  };

  const homePath = expandHome(read('ARGILLA_HOME_PATH') ?? join(homedir(), '.argilla'));
  const poolSize = integer('ARGILLA_DATABASE_POOL_SIZE', 10, 1, 1000);
  const database = parseDatabaseUrl(read('ARGILLA_DATABASE_URL'), homePath, poolSize, (message) =>
    fail('ARGILLA_DATABASE_URL', message),
  );

  const port = integer('ARGILLA_PORT', 6900, 1, 65535);
  const host = read('ARGILLA_HOST') ?? '0.0.0.0';

  let baseUrl = read('ARGILLA_BASE_URL') ?? '/';
  if (!/^\/[A-Za-z0-9\-._~/]*$/.test(baseUrl)) {
    fail('ARGILLA_BASE_URL', `must be a path starting with '/' (got '${baseUrl}')`);
    baseUrl = '/';
  }
  baseUrl = '/' + baseUrl.split('/').filter(Boolean).join('/') + '/';
  baseUrl = baseUrl.replace(/^\/\/$/, '/');

  const corsOrigins = parseList(read('ARGILLA_CORS_ORIGINS'), (message) => fail('ARGILLA_CORS_ORIGINS', message));
  const docsEnabled = boolean('ARGILLA_DOCS_ENABLED', true);

  const algorithm = read('ARGILLA_LOCAL_AUTH_ALGORITHM') ?? 'HS256';
  if (algorithm !== 'HS256') {
    fail('ARGILLA_LOCAL_AUTH_ALGORITHM', `must be HS256, the only algorithm accepted (got '${algorithm}')`);
  }
  const tokenExpirationMinutes = integer('ARGILLA_LOCAL_AUTH_TOKEN_EXPIRATION_IN_MINUTES', 1440, 1, 525_600);

  const oneOf = <T extends string>(name: SettingVariable, values: readonly T[], fallback: T): T => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    if ((values as readonly string[]).includes(raw.toLowerCase())) return raw.toLowerCase() as T;
    fail(name, `must be one of ${values.join(', ')} (got '${raw}')`);
    return fallback;
  };

  const lockoutSeconds = integer('ARGILLA_LOGIN_LOCKOUT_SECONDS', 300, 1, 86_400);
  const loginDelaySeconds = integer('ARGILLA_LOGIN_DELAY_SECONDS', 1, 1, 86_400);
  if (loginDelaySeconds > lockoutSeconds) {
    fail('ARGILLA_LOGIN_DELAY_SECONDS', `must not exceed ARGILLA_LOGIN_LOCKOUT_SECONDS (${lockoutSeconds})`);
  }

  const metricsToken = checkMetricsToken(read('ARGILLA_METRICS_TOKEN'), (message) =>
    fail('ARGILLA_METRICS_TOKEN', message),
  );

  const oauth = loadOAuthSettings(env, (message) => {
    problems.push({ variable: OAUTH_CONFIG_VARIABLE, message });
    return undefined;
  });

  const settings: Settings = {
    homePath,
    database: database ?? { engine: 'sqlite', path: join(homePath, 'argilla.db') },
    host,
    port,
    baseUrl,
    corsOrigins,
    docsEnabled,
    auth: {
      secretKey: checkSecretKey(read('ARGILLA_LOCAL_AUTH_SECRET_KEY'), (message) =>
        fail('ARGILLA_LOCAL_AUTH_SECRET_KEY', message),
      ),
      tokenExpirationMinutes,
      usersDbFile: read('ARGILLA_LOCAL_AUTH_USERS_DB_FILE') ?? '.users.yml',
      maxFailedLogins: integer('ARGILLA_LOGIN_MAX_FAILURES', 5, 1, 1_000_000),
      loginDelaySeconds,
      maxFailedLoginsPerUser: integer('ARGILLA_LOGIN_MAX_FAILURES_PER_USER', 100, 1, 1_000_000),
      maxFailedLoginsPerClient: integer('ARGILLA_LOGIN_MAX_FAILURES_PER_CLIENT', 50, 1, 1_000_000),
      loginWindowSeconds: integer('ARGILLA_LOGIN_WINDOW_SECONDS', 300, 1, 86_400),
      lockoutSeconds,
      trustedProxies: parseTrustedProxies(read('ARGILLA_TRUSTED_PROXIES'), (message) =>
        fail('ARGILLA_TRUSTED_PROXIES', message),
      ),
      passwordHash: oneOf('ARGILLA_PASSWORD_HASH', PASSWORD_HASHES, 'argon2id'),
      accessTokenMaxDays: integer('ARGILLA_ACCESS_TOKEN_MAX_DAYS', 365, 0, 36_500),
      auditRetentionDays: integer('ARGILLA_AUDIT_RETENTION_DAYS', 180, 0, 36_500),
    },
    defaultUser: {
      enabled: boolean('DEFAULT_USER_ENABLED', true),
      password: read('DEFAULT_USER_PASSWORD') ?? '1234',
      apiKey: read('DEFAULT_USER_API_KEY') ?? 'argilla.apikey',
    },
    operations: {
      logFormat: oneOf('ARGILLA_LOG_FORMAT', ['json', 'text'] as const, 'json'),
      logLevel: oneOf('ARGILLA_LOG_LEVEL', LOG_LEVELS, 'info'),
      metricsEnabled: boolean('ARGILLA_METRICS_ENABLED', true) && metricsToken !== undefined,
      metricsToken,
      shutdownTimeoutSeconds: integer('ARGILLA_SHUTDOWN_TIMEOUT_SECONDS', 10, 1, 3600),
      migrateOnStart: boolean('ARGILLA_MIGRATE_ON_START', true),
    },
    oauth,
  };
  if (problems.length > 0) throw new InvalidSettingsError(problems);
  return settings;
}

function expandHome(path: string): string {
  const expanded = path === '~' || path.startsWith('~/') ? join(homedir(), path.slice(1)) : path;
  return isAbsolute(expanded) ? expanded : resolve(expanded);
}

/**
 * Accepts the spellings Argilla's documentation uses: `sqlite:///abs/path.db` (also `sqlite+aiosqlite:`),
 * `postgresql://` or `postgres://` (also with a `+asyncpg` / `+psycopg2` driver suffix).
 */
function parseDatabaseUrl(
  raw: string | undefined,
  homePath: string,
  poolSize: number,
  fail: (message: string) => undefined,
): DatabaseSettings | undefined {
  if (raw === undefined) return { engine: 'sqlite', path: join(homePath, 'argilla.db') };
  const match = /^([a-z][a-z0-9]*)(\+[a-z0-9_]+)?:\/\/(.*)$/i.exec(raw);
  if (!match) {
    return fail(
      `must be a URL such as postgresql://user:password@host:5432/argilla or sqlite:///path/argilla.db (got '${redact(raw)}')`,
    );
  }
  const scheme = match[1].toLowerCase();
  if (scheme === 'sqlite') {
    // sqlite:///relative.db has three slashes; sqlite:////abs/path.db four (SQLAlchemy's form). Both name a file.
    const rest = match[3].replace(/\?.*$/, '');
    if (!rest.startsWith('/') || rest.length < 2) {
      return fail(`must name a file after 'sqlite:///' (got '${raw}')`);
    }
    const file = rest.slice(1);
    return { engine: 'sqlite', path: isAbsolute(file) ? file : resolve(file) };
  }
  if (scheme === 'postgresql' || scheme === 'postgres') {
    let url: URL;
    try {
      url = new URL(`postgresql://${match[3]}`);
    } catch {
      return fail(`is not a valid PostgreSQL URL (got '${redact(raw)}')`);
    }
    if (!url.hostname) return fail(`must name a host (got '${redact(raw)}')`);
    if (url.pathname.length <= 1)
      return fail(`must name a database, e.g. postgresql://host:5432/argilla (got '${redact(raw)}')`);
    return { engine: 'postgres', url: url.toString(), poolSize };
  }
  return fail(`must use the postgresql:// or sqlite:/// scheme; '${scheme}' is not supported (got '${redact(raw)}')`);
}

/** Never echo a password back in an error message. */
function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}

/** A JSON list (`["http://a", "http://b"]`, as Argilla reads it) or a comma-separated list. */
function parseList(raw: string | undefined, fail: (message: string) => undefined): string[] {
  if (raw === undefined) return [];
  if (raw.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(raw);
      if (Array.isArray(parsed) && parsed.every((item) => typeof item === 'string')) {
        return parsed.map((item) => item.trim()).filter(Boolean);
      }
    } catch {
      // reported below
    }
    fail(`must be a JSON list of strings or a comma-separated list (got '${raw}')`);
    return [];
  }
  return raw
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

/** HS256 needs a key at least as long as its hash, 256 bits (RFC 7518, section 3.2); a shorter one can be guessed offline from any token. */
export const MIN_SECRET_KEY_BYTES = 32;

/**
 * Placeholders start with `CHANGE-ME` (docker/kubernetes/secret.yaml has `CHANGE-ME-to-the-output-of-openssl-rand-hex-32`):
 * published, so anyone could sign tokens with them. Compared case-insensitively.
 */
const PLACEHOLDER_PREFIX = 'change-me';

/** The configured JWT secret, refused when it is short or a published placeholder; never echoed back. */
function checkSecretKey(raw: string | undefined, fail: (message: string) => undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (raw.toLowerCase().startsWith(PLACEHOLDER_PREFIX)) {
    return fail('is a placeholder from the examples, not a secret: set it to the output of `openssl rand -hex 32`');
  }
  const bytes = Buffer.byteLength(raw, 'utf8');
  if (bytes < MIN_SECRET_KEY_BYTES) {
    return fail(
      `must be at least ${MIN_SECRET_KEY_BYTES} bytes long (got ${bytes}): set it to the output of \`openssl rand -hex 32\``,
    );
  }
  return raw;
}

/** The scrape token: as long as the JWT secret, and sent as `Authorization: Bearer <token>`. */
export const MIN_METRICS_TOKEN_LENGTH = 32;

/** The configured `/metrics` token, refused when it is short, a placeholder, or not a Bearer value; never echoed back. */
function checkMetricsToken(raw: string | undefined, fail: (message: string) => undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (raw.toLowerCase().startsWith(PLACEHOLDER_PREFIX)) {
    return fail('is a placeholder from the examples, not a secret: set it to the output of `openssl rand -hex 32`');
  }
  if (!/^[\x21-\x7e]+$/.test(raw)) {
    return fail('must be printable ASCII without spaces (it is sent as `Authorization: Bearer <token>`)');
  }
  if (raw.length < MIN_METRICS_TOKEN_LENGTH) {
    return fail(
      `must be at least ${MIN_METRICS_TOKEN_LENGTH} characters long (got ${raw.length}): set it to the output of \`openssl rand -hex 32\``,
    );
  }
  return raw;
}

const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * A hop count, or a comma-separated list of what Express's `trust proxy` (proxy-addr) compiles: an address,
 * an address with a prefix length (`10.0.0.0/8`) or an IPv4 netmask (`10.0.0.0/255.0.0.0`), or a range name.
 * Checked here so that a bad value stops the start with the variable's name, not in the middle of the server's.
 */
function parseTrustedProxies(
  raw: string | undefined,
  fail: (message: string) => undefined,
): number | string[] | undefined {
  if (raw === undefined) return undefined;
  if (/^\d+$/.test(raw)) return Number(raw);
  const entries = raw.split(',').map((entry) => entry.trim());
  if (!entries.every(isTrustedProxy)) {
    return fail(
      `must be a hop count or a comma-separated list of addresses, subnets, loopback, linklocal or uniquelocal (got '${raw}')`,
    );
  }
  return entries;
}

function isTrustedProxy(entry: string): boolean {
  if (PROXY_RANGE_NAMES.has(entry)) return true;
  const slash = entry.lastIndexOf('/');
  const address = slash < 0 ? entry : entry.slice(0, slash);
  const family = isIP(address);
  if (family === 0) return false;
  if (slash < 0) return true;
  const range = entry.slice(slash + 1);
  if (/^\d+$/.test(range)) {
    const bits = Number(range);
    return bits > 0 && bits <= (family === 4 ? 32 : 128);
  }
  // A netmask: ones, then zeros, and at least one one.
  if (family !== 4 || isIP(range) !== 4) return false;
  const mask = range.split('.').reduce((value, octet) => value * 256 + Number(octet), 0);
  const inverted = 0xffffffff - mask;
  return mask !== 0 && (inverted & (inverted + 1)) === 0;
}
