import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import express from 'express';
import { InvalidSettingsError, loadSettings, SETTING_VARIABLES } from './settings';
import { SERVER_VERSION } from './version';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadSettings(env);
  } catch (error) {
    if (error instanceof InvalidSettingsError) return error.problems.map((p) => `${p.variable} ${p.message}`);
    throw error;
  }
  return [];
}

describe('loadSettings', () => {
  it('has the documented defaults', () => {
    const settings = loadSettings({});
    const home = join(homedir(), '.argilla');
    expect(settings).toEqual({
      homePath: home,
      database: { engine: 'sqlite', path: join(home, 'argilla.db') },
      host: '0.0.0.0',
      port: 6900,
      baseUrl: '/',
      corsOrigins: [],
      docsEnabled: true,
      auth: {
        secretKey: undefined,
        tokenExpirationMinutes: 1440,
        usersDbFile: '.users.yml',
        maxFailedLogins: 5,
        loginDelaySeconds: 1,
        maxFailedLoginsPerUser: 100,
        maxFailedLoginsPerClient: 50,
        loginWindowSeconds: 300,
        lockoutSeconds: 300,
        trustedProxies: undefined,
        passwordHash: 'argon2id',
        accessTokenMaxDays: 365,
        auditRetentionDays: 180,
      },
      defaultUser: { enabled: true, password: '1234', apiKey: 'argilla.apikey' },
      operations: {
        logFormat: 'json',
        logLevel: 'info',
        metricsEnabled: false,
        metricsToken: undefined,
        shutdownTimeoutSeconds: 10,
        migrateOnStart: true,
      },
    });
  });

  it('treats empty variables as unset', () => {
    expect(loadSettings({ ARGILLA_PORT: '', ARGILLA_DATABASE_URL: ' ' }).port).toBe(6900);
  });

  it('puts the SQLite file in ARGILLA_HOME_PATH, expanding ~ and relative paths', () => {
    expect(loadSettings({ ARGILLA_HOME_PATH: '/data/argilla' }).database).toEqual({
      engine: 'sqlite',
      path: '/data/argilla/argilla.db',
    });
    expect(loadSettings({ ARGILLA_HOME_PATH: '~/x' }).homePath).toBe(join(homedir(), 'x'));
    expect(loadSettings({ ARGILLA_HOME_PATH: 'rel' }).homePath).toBe(resolve('rel'));
  });

  it.each([
    ['sqlite:////var/lib/argilla/argilla.db', '/var/lib/argilla/argilla.db'],
    ['sqlite:///relative/argilla.db', resolve('relative/argilla.db')],
    ['sqlite+aiosqlite:////abs.db?check_same_thread=False', '/abs.db'],
  ])('reads the SQLite URL %s', (url, path) => {
    expect(loadSettings({ ARGILLA_DATABASE_URL: url }).database).toEqual({ engine: 'sqlite', path });
  });

  it.each([
    ['postgresql://user:pw@db:5432/argilla', 'postgresql://user:pw@db:5432/argilla'],
    ['postgres://db/argilla', 'postgresql://db/argilla'],
    ['postgresql+asyncpg://u@db:5433/argilla?sslmode=require', 'postgresql://u@db:5433/argilla?sslmode=require'],
  ])('reads the PostgreSQL URL %s', (raw, url) => {
    expect(loadSettings({ ARGILLA_DATABASE_URL: raw, ARGILLA_DATABASE_POOL_SIZE: '4' }).database).toEqual({
      engine: 'postgres',
      url,
      poolSize: 4,
    });
  });

  it.each([
    [{ ARGILLA_PORT: 'abc' }, "ARGILLA_PORT must be an integer from 1 to 65535 (got 'abc')"],
    [{ ARGILLA_PORT: '70000' }, "ARGILLA_PORT must be an integer from 1 to 65535 (got '70000')"],
    [{ ARGILLA_PORT: '12.5' }, "ARGILLA_PORT must be an integer from 1 to 65535 (got '12.5')"],
    [
      { ARGILLA_DATABASE_URL: 'mysql://x' },
      "ARGILLA_DATABASE_URL must use the postgresql:// or sqlite:/// scheme; 'mysql' is not supported (got 'mysql://x')",
    ],
    [
      { ARGILLA_DATABASE_URL: 'postgresql://u:secret@db' },
      "ARGILLA_DATABASE_URL must name a database, e.g. postgresql://host:5432/argilla (got 'postgresql://u:***@db')",
    ],
    [{ ARGILLA_DATABASE_URL: 'not a url' }, 'ARGILLA_DATABASE_URL must be a URL such as'],
    [
      { ARGILLA_DATABASE_URL: 'sqlite://' },
      "ARGILLA_DATABASE_URL must name a file after 'sqlite:///' (got 'sqlite://')",
    ],
    [{ ARGILLA_DOCS_ENABLED: 'sometimes' }, "ARGILLA_DOCS_ENABLED must be true or false (got 'sometimes')"],
    [
      { ARGILLA_LOCAL_AUTH_ALGORITHM: 'none' },
      "ARGILLA_LOCAL_AUTH_ALGORITHM must be HS256, the only algorithm accepted (got 'none')",
    ],
    [
      { ARGILLA_LOCAL_AUTH_TOKEN_EXPIRATION_IN_MINUTES: '0' },
      'ARGILLA_LOCAL_AUTH_TOKEN_EXPIRATION_IN_MINUTES must be an integer from 1 to 525600',
    ],
    [{ ARGILLA_BASE_URL: 'argilla' }, "ARGILLA_BASE_URL must be a path starting with '/' (got 'argilla')"],
    [
      { ARGILLA_CORS_ORIGINS: '["a", 1]' },
      'ARGILLA_CORS_ORIGINS must be a JSON list of strings or a comma-separated list',
    ],
    [{ ARGILLA_DATABASE_POOL_SIZE: '0' }, 'ARGILLA_DATABASE_POOL_SIZE must be an integer from 1 to 1000'],
    [{ ARGILLA_LOGIN_MAX_FAILURES: '0' }, 'ARGILLA_LOGIN_MAX_FAILURES must be an integer from 1 to 1000000'],
    [
      { ARGILLA_LOGIN_MAX_FAILURES_PER_USER: '-1' },
      "ARGILLA_LOGIN_MAX_FAILURES_PER_USER must be an integer from 1 to 1000000 (got '-1')",
    ],
    [
      { ARGILLA_LOGIN_DELAY_SECONDS: '600' },
      'ARGILLA_LOGIN_DELAY_SECONDS must not exceed ARGILLA_LOGIN_LOCKOUT_SECONDS (300)',
    ],
    [
      { ARGILLA_LOGIN_LOCKOUT_SECONDS: 'x' },
      "ARGILLA_LOGIN_LOCKOUT_SECONDS must be an integer from 1 to 86400 (got 'x')",
    ],
    [{ ARGILLA_PASSWORD_HASH: 'md5' }, "ARGILLA_PASSWORD_HASH must be one of argon2id, bcrypt (got 'md5')"],
    [{ ARGILLA_PASSWORD_HASH: 'argon2' }, "ARGILLA_PASSWORD_HASH must be one of argon2id, bcrypt (got 'argon2')"],
    [
      { ARGILLA_ACCESS_TOKEN_MAX_DAYS: '-1' },
      "ARGILLA_ACCESS_TOKEN_MAX_DAYS must be an integer from 0 to 36500 (got '-1')",
    ],
    [
      { ARGILLA_ACCESS_TOKEN_MAX_DAYS: '36501' },
      "ARGILLA_ACCESS_TOKEN_MAX_DAYS must be an integer from 0 to 36500 (got '36501')",
    ],
    [
      { ARGILLA_AUDIT_RETENTION_DAYS: 'forever' },
      "ARGILLA_AUDIT_RETENTION_DAYS must be an integer from 0 to 36500 (got 'forever')",
    ],
    [{ ARGILLA_LOG_FORMAT: 'xml' }, "ARGILLA_LOG_FORMAT must be one of json, text (got 'xml')"],
    [{ ARGILLA_LOG_LEVEL: 'verbose' }, "ARGILLA_LOG_LEVEL must be one of error, warn, info, debug (got 'verbose')"],
    [{ ARGILLA_METRICS_ENABLED: 'perhaps' }, "ARGILLA_METRICS_ENABLED must be true or false (got 'perhaps')"],
    [{ ARGILLA_SHUTDOWN_TIMEOUT_SECONDS: '0' }, 'ARGILLA_SHUTDOWN_TIMEOUT_SECONDS must be an integer from 1 to 3600'],
    [{ ARGILLA_MIGRATE_ON_START: 'sometimes' }, "ARGILLA_MIGRATE_ON_START must be true or false (got 'sometimes')"],
  ])('rejects %j, naming the variable', (env, message) => {
    const problems = problemsOf(env);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(message);
  });

  describe('ARGILLA_LOCAL_AUTH_SECRET_KEY', () => {
    const PLACEHOLDER =
      'ARGILLA_LOCAL_AUTH_SECRET_KEY is a placeholder from the examples, not a secret: ' +
      'set it to the output of `openssl rand -hex 32`';

    it.each([
      ['CHANGE-ME-to-the-output-of-openssl-rand-hex-32', PLACEHOLDER],
      ['change-me-please-0123456789abcdef0123456789', PLACEHOLDER],
      ['CHANGE-ME', PLACEHOLDER],
      [
        'secret',
        'ARGILLA_LOCAL_AUTH_SECRET_KEY must be at least 32 bytes long (got 6): set it to the output of `openssl rand -hex 32`',
      ],
      [
        'a'.repeat(31),
        'ARGILLA_LOCAL_AUTH_SECRET_KEY must be at least 32 bytes long (got 31): set it to the output of `openssl rand -hex 32`',
      ],
    ])('refuses %s, without echoing it', (secret, message) => {
      expect(problemsOf({ ARGILLA_LOCAL_AUTH_SECRET_KEY: secret })).toEqual([message]);
    });

    it('accepts 32 bytes and more, and keeps generating one when unset', () => {
      expect(loadSettings({ ARGILLA_LOCAL_AUTH_SECRET_KEY: 'a'.repeat(32) }).auth.secretKey).toBe('a'.repeat(32));
      // 16 characters of two bytes each: 32 bytes.
      expect(loadSettings({ ARGILLA_LOCAL_AUTH_SECRET_KEY: 'é'.repeat(16) }).auth.secretKey).toBe('é'.repeat(16));
      expect(loadSettings({ ARGILLA_LOCAL_AUTH_SECRET_KEY: '' }).auth.secretKey).toBeUndefined();
    });

    it('accepts every secret the repository sets (tests, bench, scripts)', () => {
      const root = join(__dirname, '..', '..', '..');
      const files = [
        'test/support/api.ts',
        'test/entrypoint.e2e-spec.ts',
        'test/operations.e2e-spec.ts',
        'bench/lib/server.ts',
        'scripts/write-openapi.ts',
      ];
      const secrets = files.flatMap((file) =>
        [
          ...readFileSync(join(root, file), 'utf8').matchAll(
            /(?:SECRET(?:_KEY)?|ARGILLA_LOCAL_AUTH_SECRET_KEY)\s*[:=]\s*'([^']+)'/g,
          ),
        ].map((match) => match[1]),
      );
      expect(secrets).toHaveLength(files.length);
      for (const secret of secrets) expect(problemsOf({ ARGILLA_LOCAL_AUTH_SECRET_KEY: secret })).toEqual([]);
    });
  });

  describe('ARGILLA_METRICS_TOKEN', () => {
    const TOKEN = 'f'.repeat(64);

    it.each([
      [
        'CHANGE-ME-to-the-output-of-openssl-rand-hex-32',
        'ARGILLA_METRICS_TOKEN is a placeholder from the examples, not a secret: set it to the output of `openssl rand -hex 32`',
      ],
      [
        'a'.repeat(31),
        'ARGILLA_METRICS_TOKEN must be at least 32 characters long (got 31): set it to the output of `openssl rand -hex 32`',
      ],
      [
        'two words ' + 'a'.repeat(32),
        'ARGILLA_METRICS_TOKEN must be printable ASCII without spaces (it is sent as `Authorization: Bearer <token>`)',
      ],
      [
        'é'.repeat(32),
        'ARGILLA_METRICS_TOKEN must be printable ASCII without spaces (it is sent as `Authorization: Bearer <token>`)',
      ],
    ])('refuses %s, without echoing it', (token, message) => {
      expect(problemsOf({ ARGILLA_METRICS_TOKEN: token })).toEqual([message]);
    });

    it('serves metrics only with a token, and not with ARGILLA_METRICS_ENABLED=false', () => {
      expect(loadSettings({ ARGILLA_METRICS_TOKEN: TOKEN }).operations).toMatchObject({
        metricsEnabled: true,
        metricsToken: TOKEN,
      });
      expect(loadSettings({ ARGILLA_METRICS_ENABLED: 'true' }).operations).toMatchObject({
        metricsEnabled: false,
        metricsToken: undefined,
      });
      expect(loadSettings({ ARGILLA_METRICS_TOKEN: '' }).operations.metricsEnabled).toBe(false);
      expect(
        loadSettings({ ARGILLA_METRICS_TOKEN: TOKEN, ARGILLA_METRICS_ENABLED: 'false' }).operations.metricsEnabled,
      ).toBe(false);
    });
  });

  describe('ARGILLA_TRUSTED_PROXIES', () => {
    const valid = [
      '1',
      '0',
      'loopback',
      'loopback, uniquelocal,linklocal',
      '10.0.0.1',
      '10.0.0.0/8',
      '10.0.0.0/255.0.0.0',
      '192.168.1.0/32',
      '::1',
      'fd00::/8',
      '::ffff:10.0.0.1',
      '127.0.0.1, 10.0.0.0/8, fc00::/7',
    ];
    const invalid = [
      'not a subnet!',
      'Loopback',
      'true',
      '10.0.0.0/0',
      '10.0.0.0/33',
      'fd00::/129',
      '10.0.0.0/255.0.255.0',
      'fd00::/255.0.0.0',
      '10.0.0.0/x',
      '10.0.0.256',
      'loopback,',
      'loopback,,10.0.0.1',
      '-1',
    ];

    it.each(valid)('accepts %s', (value) => {
      expect(problemsOf({ ARGILLA_TRUSTED_PROXIES: value })).toEqual([]);
    });

    it.each(invalid)('refuses %s, naming the variable and the value', (value) => {
      expect(problemsOf({ ARGILLA_TRUSTED_PROXIES: value })).toEqual([
        'ARGILLA_TRUSTED_PROXIES must be a hop count or a comma-separated list of addresses, subnets, ' +
          `loopback, linklocal or uniquelocal (got '${value}')`,
      ]);
    });

    it('reads a hop count as a number and a list as its entries', () => {
      expect(loadSettings({ ARGILLA_TRUSTED_PROXIES: '2' }).auth.trustedProxies).toBe(2);
      expect(loadSettings({ ARGILLA_TRUSTED_PROXIES: 'loopback, 10.0.0.0/8' }).auth.trustedProxies).toEqual([
        'loopback',
        '10.0.0.0/8',
      ]);
    });

    it("agrees with Express's trust proxy on every value above", () => {
      const expressAccepts = (value: unknown): boolean => {
        try {
          express().set('trust proxy', value);
          return true;
        } catch {
          return false;
        }
      };
      for (const value of [...valid, ...invalid]) {
        const settings = problemsOf({ ARGILLA_TRUSTED_PROXIES: value }).length === 0;
        const parsed = settings ? loadSettings({ ARGILLA_TRUSTED_PROXIES: value }).auth.trustedProxies : value;
        const asExpressGetsIt = settings
          ? typeof parsed === 'number'
            ? parsed
            : [...(parsed as readonly string[])]
          : /^\d+$/.test(value)
            ? Number(value)
            : value.split(',').map((part) => part.trim());
        expect([value, expressAccepts(asExpressGetsIt)]).toEqual([value, settings]);
      }
    });
  });

  it('reports every bad variable at once', () => {
    expect(() => loadSettings({ ARGILLA_PORT: 'x', DEFAULT_USER_ENABLED: 'maybe' })).toThrow(
      "Invalid settings: ARGILLA_PORT must be an integer from 1 to 65535 (got 'x'); " +
        "DEFAULT_USER_ENABLED must be true or false (got 'maybe')",
    );
  });

  it('normalises the base URL and reads the lists and booleans', () => {
    const settings = loadSettings({
      ARGILLA_BASE_URL: '/argilla',
      ARGILLA_CORS_ORIGINS: '["https://a.example", "https://b.example"]',
      ARGILLA_DOCS_ENABLED: 'FALSE',
      DEFAULT_USER_ENABLED: '0',
    });
    expect(settings.baseUrl).toBe('/argilla/');
    expect(settings.corsOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(settings.docsEnabled).toBe(false);
    expect(settings.defaultUser.enabled).toBe(false);
    expect(loadSettings({ ARGILLA_CORS_ORIGINS: 'https://a.example, https://b.example' }).corsOrigins).toEqual([
      'https://a.example',
      'https://b.example',
    ]);
  });

  it('reads the password hash, in any case', () => {
    expect(loadSettings({ ARGILLA_PASSWORD_HASH: 'bcrypt' }).auth.passwordHash).toBe('bcrypt');
    expect(loadSettings({ ARGILLA_PASSWORD_HASH: 'BCrypt' }).auth.passwordHash).toBe('bcrypt');
    expect(loadSettings({ ARGILLA_PASSWORD_HASH: 'argon2id' }).auth.passwordHash).toBe('argon2id');
    expect(loadSettings({ ARGILLA_ACCESS_TOKEN_MAX_DAYS: '0' }).auth.accessTokenMaxDays).toBe(0);
    expect(loadSettings({ ARGILLA_ACCESS_TOKEN_MAX_DAYS: '30' }).auth.accessTokenMaxDays).toBe(30);
    expect(loadSettings({ ARGILLA_AUDIT_RETENTION_DAYS: '0' }).auth.auditRetentionDays).toBe(0);
    expect(loadSettings({ ARGILLA_AUDIT_RETENTION_DAYS: '30' }).auth.auditRetentionDays).toBe(30);
  });

  it('documents every variable in .env.example', () => {
    const example = readFileSync(join(__dirname, '..', '..', '..', '.env.example'), 'utf8');
    for (const variable of SETTING_VARIABLES) expect(example).toMatch(new RegExp(`^#? ?${variable}=`, 'm'));
  });

  it('lists every variable in the settings table of docs/configuration.md', () => {
    const doc = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'configuration.md'), 'utf8');
    const start = doc.indexOf('## Variables');
    const table = doc.slice(start, doc.indexOf('\n## ', start + 1));
    expect(start).toBeGreaterThanOrEqual(0);
    for (const variable of SETTING_VARIABLES)
      expect([variable, table.includes(`| \`${variable}\``)]).toEqual([variable, true]);
  });

  it('reports the version of package.json', () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8'));
    expect(SERVER_VERSION).toBe(pkg.version);
  });
});
