import { createHash } from 'node:crypto';
import type { NestExpressApplication } from '@nestjs/platform-express';
import fc from 'fast-check';
import type { Response } from 'supertest';
import { DataSource } from 'typeorm';
import { User, Workspace } from '@argilla/database';
import {
  api,
  ApiSuite,
  envelope,
  FORBIDDEN,
  invalid,
  MISSING_ID,
  openApiSuite,
  seedUser,
  UNAUTHORIZED,
} from './support/api';
import { registeredRoutes } from './support/routes';
import { engines, snapshot } from './support/test-database';

const ADMIN = { 'X-Argilla-Api-Key': 'admin.apikey' };

/** Fixed, so that a failure replays; fast-check prints it with the counterexample. */
const SEED = 20_240_818;
const RUNS = 40;
/**
 * A property's time budget, and each test's. Generous: every failed login is padded to the costliest hash's
 * failure time (security.md#timing), which a loaded machine stretches to a second or more, and a property cut short
 * fails. On an idle machine a property takes a few seconds.
 */
const PROPERTY_TIME_LIMIT_MS = 150_000;
jest.setTimeout(PROPERTY_TIME_LIMIT_MS + 30_000);

/** Every route the app registers (the coverage test checks this list against the running app). */
const ROUTES = [
  'GET /metrics',
  'GET /api/_info',
  'GET /api/_status',
  'POST /api/security/token',
  'GET /api/me',
  'GET /api/users',
  'POST /api/users',
  'DELETE /api/users/:user_id',
  'GET /api/workspaces',
  'POST /api/workspaces',
  'GET /api/workspaces/:workspace_id/users',
  'POST /api/workspaces/:workspace_id/users/:user_id',
  'DELETE /api/workspaces/:workspace_id/users/:user_id',
  'GET /api/v1/workspaces/:workspace_id',
  'DELETE /api/v1/workspaces/:workspace_id',
  'GET /api/v1/workspaces/:workspace_id/users',
  'GET /api/v1/me',
  'GET /api/v1/me/workspaces',
  'POST /api/v1/me/api-key',
  'PUT /api/v1/me/password',
  'GET /api/v1/users',
  'GET /api/v1/users/:user_id',
  'PATCH /api/v1/users/:user_id',
  'DELETE /api/v1/users/:user_id',
  'GET /api/v1/users/:user_id/workspaces',
  'POST /api/v1/users/:user_id/api-key',
  'PUT /api/v1/users/:user_id/password',
  'POST /api/v1/me/tokens',
  'GET /api/v1/me/tokens',
  'DELETE /api/v1/me/tokens/:token_id',
  'GET /api/v1/users/:user_id/tokens',
  'DELETE /api/v1/users/:user_id/tokens/:token_id',
  'POST /api/v1/me/logout',
  'GET /api/v1/me/sessions',
  'DELETE /api/v1/me/sessions/:session_id',
  'GET /api/v1/users/:user_id/sessions',
  'DELETE /api/v1/users/:user_id/sessions',
  'GET /api/v1/oauth2/providers',
  'GET /api/v1/oauth2/providers/:provider/authentication',
  'GET /api/v1/oauth2/providers/:provider/access-token',
  'GET /oauth/:provider/callback',
  'GET /api/v1/audit',
] as const;

/** `/api/v1/users/` plus an empty (or `.`) segment is the user list itself, which answers 200. */
function landsOnUserList(route: string, segment: string): boolean {
  return route === 'GET /api/v1/users/:user_id' && ['', '.', '%2e', '%2E'].includes(segment);
}

/** Routes that would destroy the shared target: sent a workspace id that does not exist. */
const DESTRUCTIVE: readonly string[] = ['DELETE /api/v1/workspaces/:workspace_id'];
type Route = (typeof ROUTES)[number];

const PARAM_ROUTES = ROUTES.filter((route) => route.includes('/:'));
/** The routes whose path parameters are ids (UUIDs); a single sign-on provider is a name. */
const ID_ROUTES = PARAM_ROUTES.filter((route) => !route.includes('/:provider'));

interface Field {
  name: string;
  required: boolean;
  /** The error type a value of the wrong JSON type gets. */
  wrongType: 'type_error.str' | 'type_error.enum' | 'type_error.bool';
}

/** The routes that read a body: a well-formed body (unique per call), and its fields. */
const BODY_ROUTES: Partial<Record<Route, { valid: (n: number) => Record<string, unknown>; fields: Field[] }>> = {
  'POST /api/users': {
    valid: (n) => ({
      first_name: 'Ada',
      last_name: 'Lovelace',
      username: `abuse-${n}`,
      role: 'annotator',
      password: 'password-1234',
    }),
    fields: [
      { name: 'first_name', required: true, wrongType: 'type_error.str' },
      { name: 'last_name', required: false, wrongType: 'type_error.str' },
      { name: 'username', required: true, wrongType: 'type_error.str' },
      { name: 'role', required: false, wrongType: 'type_error.enum' },
      { name: 'password', required: true, wrongType: 'type_error.str' },
    ],
  },
  'POST /api/workspaces': {
    valid: (n) => ({ name: `abuse-${n}` }),
    fields: [{ name: 'name', required: true, wrongType: 'type_error.str' }],
  },
  'PATCH /api/v1/users/:user_id': {
    valid: () => ({ first_name: 'Renamed', last_name: 'Again', role: 'annotator', disabled: false }),
    fields: [
      { name: 'first_name', required: false, wrongType: 'type_error.str' },
      { name: 'role', required: false, wrongType: 'type_error.enum' },
      { name: 'disabled', required: false, wrongType: 'type_error.bool' },
    ],
  },
  'PUT /api/v1/me/password': {
    // Well-formed, with a wrong current password: refused, so the admin's password never changes.
    valid: () => ({ current_password: 'not-the-password', new_password: 'password-5678' }),
    fields: [
      { name: 'current_password', required: true, wrongType: 'type_error.str' },
      { name: 'new_password', required: true, wrongType: 'type_error.str' },
    ],
  },
  'PUT /api/v1/users/:user_id/password': {
    valid: () => ({ new_password: 'password-5678' }),
    fields: [{ name: 'new_password', required: true, wrongType: 'type_error.str' }],
  },
  'POST /api/v1/me/tokens': {
    // `expires_in_days` is left out: random numbers are often valid days.
    valid: (n) => ({ name: `abuse-${n}`, scope: 'read' }),
    fields: [
      { name: 'name', required: true, wrongType: 'type_error.str' },
      { name: 'scope', required: false, wrongType: 'type_error.enum' },
      { name: 'expires_at', required: false, wrongType: 'type_error.str' },
    ],
  },
  'POST /api/security/token': {
    // Well-formed, and wrong for every user (users created by other properties have the password 'password-1234').
    valid: () => ({ username: 'member', password: 'not-the-password' }),
    fields: [
      { name: 'username', required: true, wrongType: 'type_error.str' },
      { name: 'password', required: true, wrongType: 'type_error.str' },
    ],
  },
};
const BODY_ROUTE_NAMES = Object.keys(BODY_ROUTES) as Route[];

/** Body routes whose DTO refuses unknown fields (422 `value_error.extra`); the others ignore them. */
const STRICT_BODY_ROUTES: readonly Route[] = [
  'PATCH /api/v1/users/:user_id',
  'PUT /api/v1/me/password',
  'PUT /api/v1/users/:user_id/password',
  'POST /api/v1/me/tokens',
];

/** Optional fields of the body routes that `BODY_ROUTES` leaves out of their well-formed bodies. */
const OTHER_KNOWN_FIELDS = [
  'api_key',
  'workspaces',
  'grant_type',
  'scope',
  'client_id',
  'client_secret',
  'expires_in_days',
  'expires_at',
];

/**
 * The routes that read a query string, and its parameters by kind: exact text filters (at most 255 characters),
 * times (ISO 8601 with seconds), and the page's `limit` (1 to 500) and `offset` (0 and up).
 */
const QUERY_ROUTES: Partial<Record<Route, { text: string[]; times: string[] }>> = {
  'GET /api/v1/audit': { text: ['actor', 'action', 'target_type', 'target_id'], times: ['since', 'until'] },
};
const QUERY_ROUTE_NAMES = Object.keys(QUERY_ROUTES) as Route[];
const PAGE_PARAMS = ['limit', 'offset'];
const FILTER_MAX_LENGTH = 255;

/** What `UuidPipe` accepts: such strings are no abuse. */
const UUID_LIKE = /^(?:urn:uuid:)?\{?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\}?$/i;

const uuidError = (param: string) =>
  invalid({ loc: ['path', param], msg: 'value is not a valid uuid', type: 'type_error.uuid' });
const NOT_FOUND_ROUTE = { detail: 'Not Found' };

const HOSTILE_SEGMENTS = [
  "' OR 1=1 --",
  "1'; DROP TABLE users; --",
  "' UNION SELECT api_key FROM users --",
  '../../etc/passwd',
  '..%2f..%2fetc%2fpasswd',
  '%2e%2e%2f',
  '%2e%2e',
  '..',
  '.',
  '%00',
  '%',
  '%zz',
  '%E0%A4%A',
  'ünïcödé-😀',
  '\u202e\u0000',
  '00000000-0000-4000-8000-00000000000g',
  `${MISSING_ID}/..`,
  '',
];

// Arbitraries.

/** Long strings built from a random piece (any code point), from 1 KB to 200 KB. */
const hugeText = fc
  .tuple(fc.string({ unit: 'binary', minLength: 1, maxLength: 16 }), fc.integer({ min: 1_000, max: 200_000 }))
  .map(([piece, length]) => piece.repeat(Math.ceil(length / piece.length)).slice(0, length));

/** Long strings that are valid usernames and workspace names, and do not compress (as random data would not). */
const hugeName = fc.tuple(fc.nat(), fc.integer({ min: 1_000, max: 200_000 })).map(([seed, length]) => {
  let text = '';
  for (let block = 0; text.length < length; block++) {
    text += createHash('sha256').update(`${seed}:${block}`).digest('hex');
  }
  return text.slice(0, length);
});

/** JSON text nested a few hundred levels deep, in arrays or in objects. */
const deepJson = fc
  .tuple(fc.integer({ min: 100, max: 500 }), fc.boolean())
  .map(([depth, arrays]) =>
    arrays ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth),
  );

/**
 * Keys that name what every JavaScript object has. Random keys almost never hit them, and they are the ones that
 * break code walking an object: class-transformer built `{"a": {"constructor": "x"}}` with "x" as a class (a 500).
 */
const OBJECT_INTERNAL_KEYS = ['constructor', '__proto__', 'prototype', 'toString', 'valueOf', 'hasOwnProperty'];

/** Objects nested a few levels deep, most of whose keys are such names (fast-check makes `__proto__` an own key). */
const internalsObject: fc.Arbitrary<Record<string, unknown>> = fc.letrec<{
  value: unknown;
  object: Record<string, unknown>;
}>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', maxDepth: 4 },
    fc.oneof(fc.string({ maxLength: 4 }), fc.integer(), fc.boolean(), fc.constant(null)),
    tie('object'),
    fc.array(tie('value'), { maxLength: 3 }),
  ),
  object: fc.dictionary(
    fc.oneof(
      { arbitrary: fc.constantFrom(...OBJECT_INTERNAL_KEYS), weight: 3 },
      { arbitrary: fc.string({ maxLength: 6 }), weight: 1 },
    ),
    tie('value'),
    { minKeys: 1, maxKeys: 4 },
  ),
})).object;

const PROTOTYPE_POLLUTION = [
  '{"__proto__": {"role": "admin", "polluted": true}}',
  '{"constructor": {"prototype": {"polluted": true}}}',
];

/** Request bodies as JSON text: valid JSON of any shape, huge, deep, hostile, or not JSON at all. */
const jsonBodies = fc.oneof(
  fc.jsonValue().map((value) => JSON.stringify(value)),
  fc.anything().map((value) => JSON.stringify(value) ?? 'null'),
  fc.object().map((value) => JSON.stringify(value)),
  hugeText.map((text) => JSON.stringify({ first_name: text, username: text, name: text, password: text })),
  deepJson,
  fc.constantFrom(...PROTOTYPE_POLLUTION),
  internalsObject.map((value) => JSON.stringify(value)),
  fc.string({ unit: 'binary', maxLength: 64 }),
);

/** Values of a JSON type no field accepts (null only where a field is required: optional fields take it). */
const wrongTypes = (required: boolean) =>
  fc.oneof(
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.array(fc.jsonValue(), { maxLength: 4 }),
    fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 4 }),
    internalsObject,
    fc.array(internalsObject, { minLength: 1, maxLength: 2 }),
    // Nested, but within the nesting bound (deeper bodies are refused as a whole, tested apart).
    fc.integer({ min: 2, max: 30 }).map((depth) => JSON.parse('['.repeat(depth) + ']'.repeat(depth)) as unknown),
    ...(required ? [fc.constant(null)] : []),
  );

/** Query values: any text (below the URL length a server reads), hostile strings, times, numbers. */
const queryValues = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 64 }),
  fc.string({ unit: 'grapheme', maxLength: 32 }),
  fc.constantFrom(...HOSTILE_SEGMENTS, 'user.created', 'user', 'admin', 'system', '2024-01-01T00:00:00', '0', '500'),
  fc.integer({ min: 200, max: 2_000 }).chain((length) => fc.string({ minLength: length, maxLength: length })),
  fc.bigInt({ min: -(10n ** 25n), max: 10n ** 25n }).map(String),
  fc.double().map(String),
);

const pad = (n: number, width: number) => String(n).padStart(width, '0');
/** Two digits, often out of range (month 13, hour 99). */
const twoDigits = fc.oneof(fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 31 })).map((n) => pad(n, 2));

/** Text of the time pattern (`YYYY-MM-DDTHH:MM:SS[.ffffff][Z|±HH:MM]`) with any digits: real times or not. */
const patternTimes = fc
  .tuple(
    fc.oneof(fc.integer({ min: 0, max: 9_999 }), fc.constantFrom(0, 1, 1970, 9_999)).map((n) => pad(n, 4)),
    twoDigits,
    twoDigits,
    twoDigits,
    twoDigits,
    twoDigits,
    fc.option(
      fc.integer({ min: 0, max: 999_999 }).map((n) => `.${String(n).slice(0, 6)}`),
      { nil: '' },
    ),
    fc.oneof(
      fc.constant(''),
      fc.constant('Z'),
      fc.tuple(fc.constantFrom('+', '-'), twoDigits, twoDigits).map(([sign, h, m]) => `${sign}${h}:${m}`),
    ),
  )
  .map(
    ([year, month, day, hour, minute, second, fraction, zone]) =>
      `${year}-${month}-${day}T${hour}:${minute}:${second}${fraction}${zone}`,
  );

/** Query strings: known and unknown parameters, repeated or not, with any values. */
const queryPairs = (names: string[]) =>
  fc.array(
    fc.tuple(
      fc.oneof(fc.constantFrom(...names), fc.constantFrom(...OBJECT_INTERNAL_KEYS), fc.string({ maxLength: 12 })),
      fc.oneof(queryValues, patternTimes),
    ),
    { maxLength: 8 },
  );

interface FieldError {
  loc: (string | number)[];
  msg: string;
  type: string;
  ctx?: Record<string, unknown>;
}

const STR_ERROR = { msg: 'str type expected', type: 'type_error.str' };
const NUL_ERROR = { msg: 'string contains a NUL character', type: 'value_error.str.nul' };
const TIME_ERROR = { msg: 'invalid datetime format', type: 'value_error.datetime' };
const TIME_PATTERN = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?(Z|[+-]\d\d:\d\d)?$/;

/** What a page parameter's value gets: null when it is valid. */
function pageParamError(name: string, value: string | string[]): Omit<FieldError, 'loc'> | null {
  if (typeof value !== 'string' || !/^\d+$/.test(value)) {
    return { msg: 'value is not a valid integer', type: 'type_error.integer' };
  }
  const n = Number(value);
  const [min, max] = name === 'limit' ? [1, 500] : [0, Number.MAX_SAFE_INTEGER];
  if (n < min) {
    return {
      msg: `ensure this value is greater than or equal to ${min}`,
      type: 'value_error.number.not_ge',
      ctx: { limit_value: min },
    };
  }
  if (n > max) {
    return {
      msg: `ensure this value is less than or equal to ${max}`,
      type: 'value_error.number.not_le',
      ctx: { limit_value: max },
    };
  }
  return null;
}

/** A time of the pattern, in milliseconds (UTC without a zone); NaN when it is no real time. */
const timeOf = (text: string): number => Date.parse(/(Z|[+-]\d\d:\d\d)$/.test(text) ? text : `${text}Z`);

/**
 * What a query string gets on a query route: the errors expected for sure (sorted by parameter), and the times
 * that may be refused as no real time (a pattern's text whose date the server may read otherwise, e.g. 24:00:00).
 */
function queryOutcome(route: Route, query: URLSearchParams): { errors: FieldError[]; doubtfulTimes: string[] } {
  const { text, times } = QUERY_ROUTES[route]!;
  const errors: FieldError[] = [];
  const doubtfulTimes: string[] = [];
  for (const name of [...text, ...times, ...PAGE_PARAMS]) {
    const values = query.getAll(name);
    if (values.length === 0) continue;
    const value = values.length === 1 ? values[0] : values;
    const loc = ['query', name];
    if (PAGE_PARAMS.includes(name)) {
      const error = pageParamError(name, value);
      if (error) errors.push({ loc, ...error });
    } else if (typeof value !== 'string') {
      errors.push({ loc, ...STR_ERROR });
    } else if (value.includes('\u0000')) {
      errors.push({ loc, ...NUL_ERROR });
    } else if (text.includes(name) && value.length > FILTER_MAX_LENGTH) {
      errors.push({
        loc,
        msg: `ensure this value has at most ${FILTER_MAX_LENGTH} characters`,
        type: 'value_error.any_str.max_length',
        ctx: { limit_value: FILTER_MAX_LENGTH },
      });
    } else if (times.includes(name)) {
      const time = timeOf(value);
      const real = time >= Date.parse('0001-01-01T00:00:00Z') && time < Date.parse('+010000-01-01T00:00:00Z');
      if (!TIME_PATTERN.test(value) || Number.isNaN(time)) errors.push({ loc, ...TIME_ERROR });
      else if (!real) errors.push({ loc, ...TIME_ERROR });
      else if (!/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d/.test(value)) {
        doubtfulTimes.push(name);
      }
    }
  }
  errors.sort((a, b) => String(a.loc[1]).localeCompare(String(b.loc[1])));
  return { errors, doubtfulTimes };
}

interface AuditItem {
  time: string;
  actor: { id?: string; name: string };
  action: string;
  target: { type: string; id?: string };
}

/** The audit events a successful answer lists satisfy every filter of the query, and fit the page. */
function expectAuditPage(body: { items: AuditItem[]; total: number }, query: URLSearchParams) {
  const limit = query.has('limit') ? Number(query.get('limit')) : 50;
  expect(body.items.length).toBeLessThanOrEqual(limit);
  expect(body.total).toBeGreaterThanOrEqual(body.items.length);
  const since = query.get('since');
  const until = query.get('until');
  const misfits = body.items.filter(
    (item) =>
      (query.has('actor') && item.actor.name !== query.get('actor') && item.actor.id !== query.get('actor')) ||
      (query.has('action') && item.action !== query.get('action')) ||
      (query.has('target_type') && item.target.type !== query.get('target_type')) ||
      (query.has('target_id') && item.target.id !== query.get('target_id')) ||
      // Compared to the millisecond (the event's microseconds and the bound's are cut alike).
      (since !== null && Date.parse(`${item.time}Z`) < Math.floor(timeOf(since))) ||
      (until !== null && Date.parse(`${item.time}Z`) > Math.floor(timeOf(until))),
  );
  expect(misfits).toEqual([]);
}

/** Path segments that are not UUIDs: random code points, graphemes, hostile strings. */
const badIds = fc
  .oneof(
    fc.string({ unit: 'binary', maxLength: 64 }),
    fc.string({ unit: 'grapheme', maxLength: 32 }),
    fc.constantFrom(...HOSTILE_SEGMENTS),
  )
  .filter((value) => !UUID_LIKE.test(value));

const FORM_KEYS = ['username', 'password', 'grant_type', 'scope', 'client_id', 'client_secret'];

/** Login forms: any number of fields, known or not, repeated or not, with any values. */
const loginForms = fc.array(
  fc.tuple(
    fc.oneof(fc.constantFrom(...FORM_KEYS), fc.string({ maxLength: 12 })),
    fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.constantFrom('member', 'password-1234', '')),
  ),
  { maxLength: 8 },
);

// Checks.

const LEAKS = [
  /\bat \S*[/\\]\S+/,
  /\.(?:ts|js):\d+/,
  /node_modules/,
  /QueryFailedError/,
  /SELECT /,
  /INSERT /,
  /SQLITE_/,
  /duplicate key/,
];

/**
 * Every answer is JSON; every error is Argilla's envelope (a route that does not exist answers `{"detail": "Not
 * Found"}` when `unknownRouteAllowed`) and carries nothing internal. Successes are not searched for leaks: they
 * echo what was sent, which may be hostile text on purpose.
 */
function expectSafeAnswer(
  response: Response,
  route: Route | undefined,
  options: { unknownRouteAllowed?: boolean } = {},
) {
  expect(response.status).toBeLessThan(500);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  const body: unknown = JSON.parse(response.text);
  if (response.status < 400) return;
  if (!(options.unknownRouteAllowed && response.status === 404 && isEqual(body, NOT_FOUND_ROUTE))) {
    expect(body).toEqual({
      detail: { code: expect.stringMatching(/^argilla\.api\.errors::[A-Za-z]+Error$/), params: expect.any(Object) },
    });
  }
  for (const leak of LEAKS) expect(response.text).not.toMatch(leak);
}

function isEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Runs a property with the fixed seed, within a time budget well under the test's timeout. */
async function check<T>(arbitrary: fc.Arbitrary<T>, predicate: (value: T) => Promise<void>) {
  await fc.assert(fc.asyncProperty(arbitrary, predicate), {
    seed: SEED,
    numRuns: RUNS,
    plugins: [fc.interruptAfterTimeLimit(PROPERTY_TIME_LIMIT_MS, { failOnInterrupt: true })],
  });
}

/**
 * What the login route answers a form. body-parser's urlencoded parser (`qs`) makes a repeated field a list, and
 * an empty one counts as missing: unless `username` and `password` each come once, non-empty, it is a 422.
 * Then only the member's own credentials log in.
 */
function formOutcome(pairs: [string, string][]): 200 | 401 | 422 {
  const single = (key: string): string | undefined => {
    const values = pairs.filter(([name]) => name === key).map(([, value]) => value);
    return values.length === 1 && values[0] !== '' ? values[0] : undefined;
  };
  const username = single('username');
  const password = single('password');
  if (username === undefined || password === undefined) return 422;
  return username === 'member' && password === 'password-1234' ? 200 : 401;
}

describe.each(engines())('input abuse (%s)', (engine) => {
  let suite: ApiSuite;
  let app: NestExpressApplication;
  let dataSource: DataSource;
  let team: Workspace;
  let counter = 0;

  beforeAll(async () => {
    // Failed logins are many here on purpose: lockouts would hide what the login route does with its input.
    suite = await openApiSuite(engine, {
      ARGILLA_LOGIN_MAX_FAILURES: '1000000',
      ARGILLA_LOGIN_MAX_FAILURES_PER_USER: '1000000',
      ARGILLA_LOGIN_MAX_FAILURES_PER_CLIENT: '1000000',
      // So that /metrics exists: it answers 401 here (the token is never sent), an error like the others.
      ARGILLA_METRICS_TOKEN: 'input-abuse-metrics-token-0123456789abcdef',
    });
    ({ app, dataSource } = suite);
    await seedUser(app, { username: 'admin', role: 'admin' });
    await seedUser(app, { username: 'member', workspaces: ['team'] });
    team = await dataSource.getRepository(Workspace).findOneByOrFail({ name: 'team' });
  });

  afterAll(async () => {
    await suite?.close();
  });

  /** The route's path with valid ids (the target workspace, a missing user), or the ones given. */
  const pathOf = (route: Route, ids: Record<string, string> = {}): string =>
    route
      .split(' ')[1]
      .replace(
        /:([a-z_]+)/g,
        (_match, name: string) =>
          ids[name] ?? (name === 'workspace_id' && !DESTRUCTIVE.includes(route) ? team.id : MISSING_ID),
      );

  const send = (route: Route, path = pathOf(route)) => {
    const method = route.split(' ')[0].toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete';
    return api(app)[method](path);
  };

  it('covers every registered route', () => {
    const registered = registeredRoutes(app);
    expect({
      notCovered: registered.filter((route) => !(ROUTES as readonly string[]).includes(route)),
      notRegistered: ROUTES.filter((route) => !registered.includes(route)),
    }).toEqual({ notCovered: [], notRegistered: [] });
  });

  describe('random bodies', () => {
    it.each(ROUTES)(
      '%s: any JSON body gets a safe answer (a 4xx where a valid body or id is needed)',
      async (route) => {
        // Write routes with ids are sent a user id that does not exist; read routes, the target workspace.
        const needsValidInput = route in BODY_ROUTES || pathOf(route).includes(MISSING_ID);
        await check(jsonBodies, async (body) => {
          const response = await send(route).set(ADMIN).set('Content-Type', 'application/json').send(body);
          // Rotating the caller's own key takes no body: the admin gets its key back for the next run.
          if (route === 'POST /api/v1/me/api-key') {
            await dataSource.getRepository(User).update({ username: 'admin' }, { apiKey: 'admin.apikey' });
          }
          expectSafeAnswer(response, route);
          if (needsValidInput) expect(response.status).toBeGreaterThanOrEqual(400);
          // A body must never reach Object.prototype (the server runs in this process).
          expect(Object.keys(Object.prototype)).toEqual([]);
        });
      },
    );

    it.each(BODY_ROUTE_NAMES)('%s: a wrong JSON type in any field is a 422 on that field', async (route) => {
      const { valid, fields } = BODY_ROUTES[route]!;
      const cases = fc.constantFrom(...fields).chain((field) =>
        wrongTypes(field.required)
          // A boolean is the right type for a boolean field.
          .filter((value) => field.wrongType !== 'type_error.bool' || typeof value !== 'boolean')
          .map((value) => ({ field, value })),
      );
      await check(cases, async ({ field, value }) => {
        const body = { ...valid(++counter), [field.name]: value };
        const response = await send(route).set(ADMIN).send(body);
        expectSafeAnswer(response, route);
        expect(response.status).toBe(422);
        expect(response.body.detail.params.errors).toEqual([
          expect.objectContaining({
            loc: ['body', field.name],
            type: value === null ? 'value_error.missing' : field.wrongType,
          }),
        ]);
      });
    });

    it.each(BODY_ROUTE_NAMES)(
      '%s: unknown fields named after object internals, nested or not, are ignored or refused as unknown',
      async (route) => {
        const { valid } = BODY_ROUTES[route]!;
        const known = new Set([...Object.keys(valid(0)), ...OTHER_KNOWN_FIELDS]);
        const extras = internalsObject.filter((extra) => Object.keys(extra).every((key) => !known.has(key)));
        await check(extras, async (extra) => {
          const n = ++counter;
          // Spread defines `__proto__` as an own key, as JSON.parse does on the server.
          const response = await send(route)
            .set(ADMIN)
            .set('Content-Type', 'application/json')
            .send(JSON.stringify({ ...valid(n), ...extra }));
          expectSafeAnswer(response, route);
          expect(Object.keys(Object.prototype)).toEqual([]);
          if (STRICT_BODY_ROUTES.includes(route)) {
            const body = response.body as { detail: { params: { errors: { loc: string[] }[] } } };
            body.detail.params.errors.sort((a, b) => (a.loc[1] < b.loc[1] ? -1 : a.loc[1] > b.loc[1] ? 1 : 0));
            const unknown = Object.keys(extra).sort();
            expect([response.status, body]).toEqual([
              422,
              invalid(
                ...unknown.map((key) => ({
                  loc: ['body', key],
                  msg: 'extra fields not permitted',
                  type: 'value_error.extra',
                })),
              ),
            ]);
          } else if (route === 'POST /api/security/token') {
            expect([response.status, response.body]).toEqual([401, UNAUTHORIZED]);
          } else {
            expect(response.status).toBe(200);
            const name = `abuse-${n}`;
            expect(response.body).toMatchObject(
              route === 'POST /api/users' ? { username: name, role: 'annotator', workspaces: [] } : { name },
            );
          }
        });
      },
    );

    it.each(BODY_ROUTE_NAMES)('%s: huge strings in any field get a safe answer', async (route) => {
      const { valid, fields } = BODY_ROUTES[route]!;
      const cases = fc
        .constantFrom(...fields.map((field) => field.name))
        .chain((name) => fc.oneof(hugeText, hugeName).map((value) => ({ name, value })));
      await check(cases, async ({ name, value }) => {
        const response = await send(route)
          .set(ADMIN)
          .send({ ...valid(++counter), [name]: value });
        expectSafeAnswer(response, route);
        if (name === 'password' && route === 'POST /api/users') {
          expect(response.status).toBe(422);
          expect(response.body.detail.params.errors).toEqual([
            expect.objectContaining({ loc: ['body', 'password'], type: 'value_error.any_str.max_length' }),
          ]);
        }
        // No user has a huge password, nor the base body's: every such login is refused the same way
        // (a NUL character, which no stored name or password can hold, is refused as input).
        if (route === 'POST /api/security/token') {
          expect(response.body).toEqual(
            value.includes('\u0000')
              ? invalid({ loc: ['body', name], msg: 'string contains a NUL character', type: 'value_error.str.nul' })
              : UNAUTHORIZED,
          );
        }
      });
    });
  });

  describe('path ids', () => {
    it.each(ID_ROUTES)('%s: an id that is not a UUID is a 422 on that parameter', async (route) => {
      const params = [...route.matchAll(/:([a-z_]+)/g)].map((match) => match[1]);
      await check(fc.tuple(fc.constantFrom(...params), badIds), async ([param, value]) => {
        const segment = encodeURIComponent(value);
        // A route that reads a body gets a valid one, so that the id is the only thing wrong.
        const request = send(route, pathOf(route, { [param]: segment })).set(ADMIN);
        const response = await (BODY_ROUTES[route] ? request.send(BODY_ROUTES[route]!.valid(++counter)) : request);
        expectSafeAnswer(response, route, { unknownRouteAllowed: segment === '' });
        // An empty segment makes another path: no route has it, except `/api/v1/users/`, which is the user list.
        if (landsOnUserList(route, segment)) expect(response.status).toBe(200);
        else expect(response.body).toEqual(segment === '' ? NOT_FOUND_ROUTE : uuidError(param));
      });
    });

    it.each(ID_ROUTES)('%s: without credentials, an id that is not a UUID is a 401', async (route) => {
      const params = [...route.matchAll(/:([a-z_]+)/g)].map((match) => match[1]);
      await check(fc.tuple(fc.constantFrom(...params), badIds), async ([param, value]) => {
        const segment = encodeURIComponent(value);
        const response = await send(route, pathOf(route, { [param]: segment }));
        expectSafeAnswer(response, route, { unknownRouteAllowed: segment === '' });
        const expected = segment === '' && !landsOnUserList(route, segment) ? NOT_FOUND_ROUTE : UNAUTHORIZED;
        expect(response.body).toEqual(expected);
      });
    });

    it.each(PARAM_ROUTES)('%s: hostile raw path segments get a safe 4xx', async (route) => {
      const params = [...route.matchAll(/:([a-z_]+)/g)].map((match) => match[1]);
      for (const param of params) {
        for (const segment of HOSTILE_SEGMENTS) {
          const response = await send(route, pathOf(route, { [param]: segment })).set(ADMIN);
          // Traversal and empty segments make paths of other routes, or of none.
          expectSafeAnswer(response, undefined, { unknownRouteAllowed: true });
          if (!landsOnUserList(route, segment)) expect(response.status).toBeGreaterThanOrEqual(400);
        }
      }
    });

    it('a path id with a malformed percent-escape is a 422 on that parameter', async () => {
      for (const segment of ['%', '%zz', '%E0%A4%A']) {
        const response = await send('DELETE /api/users/:user_id', `/api/users/${segment}`).set(ADMIN);
        expect({ segment, status: response.status, body: response.body }).toEqual({
          segment,
          status: 422,
          body: uuidError('user_id'),
        });
      }
    });

    it('a path id with a malformed percent-escape and no credentials is a 401', async () => {
      for (const segment of ['%', '%zz', '%E0%A4%A']) {
        const response = await send('DELETE /api/users/:user_id', `/api/users/${segment}`);
        expect({ segment, status: response.status, body: response.body }).toEqual({
          segment,
          status: 401,
          body: UNAUTHORIZED,
        });
      }
    });
  });

  describe('query strings', () => {
    const MEMBER = { 'X-Argilla-Api-Key': 'member.apikey' };
    const sendQuery = (route: Route, query: string) => send(route, `${pathOf(route)}?${query}`);

    it.each(QUERY_ROUTE_NAMES)(
      '%s: any query string gets a 200 whose items fit its filters, or a 422 on exactly the wrong parameters',
      async (route) => {
        const { text, times } = QUERY_ROUTES[route]!;
        await check(queryPairs([...text, ...times, ...PAGE_PARAMS]), async (pairs) => {
          const query = new URLSearchParams(pairs);
          const response = await sendQuery(route, query.toString()).set(ADMIN);
          expectSafeAnswer(response, route);
          const { errors, doubtfulTimes } = queryOutcome(route, query);
          if (response.status === 200) {
            expect(errors).toEqual([]);
            expectAuditPage(response.body as { items: AuditItem[]; total: number }, query);
          } else {
            const body = response.body as { detail: { params: { errors: FieldError[] } } };
            body.detail.params.errors.sort((a, b) => String(a.loc[1]).localeCompare(String(b.loc[1])));
            // A time whose fields are out of their usual range (24:00:00) may be read, or refused.
            const refusedTimes = body.detail.params.errors.filter(
              (error) => doubtfulTimes.includes(String(error.loc[1])) && error.type === TIME_ERROR.type,
            );
            const expected = [...errors, ...refusedTimes].sort((a, b) =>
              String(a.loc[1]).localeCompare(String(b.loc[1])),
            );
            expect([response.status, body]).toEqual([422, invalid(...expected)]);
          }
        });
      },
    );

    it.each(QUERY_ROUTE_NAMES)('%s: any query string without credentials is a 401', async (route) => {
      const { text, times } = QUERY_ROUTES[route]!;
      await check(queryPairs([...text, ...times, ...PAGE_PARAMS]), async (pairs) => {
        const response = await sendQuery(route, new URLSearchParams(pairs).toString());
        expectSafeAnswer(response, route);
        expect([response.status, response.body]).toEqual([401, UNAUTHORIZED]);
      });
    });

    it.each(QUERY_ROUTE_NAMES)(
      '%s: any query string from an annotator is a 403, or the 422 of its wrong parameters',
      async (route) => {
        const { text, times } = QUERY_ROUTES[route]!;
        await check(queryPairs([...text, ...times, ...PAGE_PARAMS]), async (pairs) => {
          const query = new URLSearchParams(pairs);
          const response = await sendQuery(route, query.toString()).set(MEMBER);
          expectSafeAnswer(response, route);
          expect([403, 422]).toContain(response.status);
          if (queryOutcome(route, query).errors.length > 0) expect(response.status).toBe(422);
          if (response.status === 403) expect(response.body).toEqual(FORBIDDEN);
        });
      },
    );

    it.each(QUERY_ROUTE_NAMES)('%s: times of the pattern, real or not, get a 200 or a 422 on them', async (route) => {
      const { times } = QUERY_ROUTES[route]!;
      await check(fc.tuple(fc.constantFrom(...times), patternTimes), async ([name, value]) => {
        const query = new URLSearchParams([[name, value]]);
        const response = await sendQuery(route, query.toString()).set(ADMIN);
        expectSafeAnswer(response, route);
        const { errors, doubtfulTimes } = queryOutcome(route, query);
        if (errors.length > 0 || (doubtfulTimes.length > 0 && response.status !== 200)) {
          expect([response.status, response.body]).toEqual([422, invalid({ loc: ['query', name], ...TIME_ERROR })]);
        } else {
          expect(response.status).toBe(200);
          expectAuditPage(response.body as { items: AuditItem[]; total: number }, query);
        }
      });
    });

    const AUDIT = 'GET /api/v1/audit';
    const timeError = (name: string) => invalid({ loc: ['query', name], ...TIME_ERROR });
    it.each([
      // Of the pattern, but no real time: refused as input, never a failure while reading the log.
      ['since=2024-13-01T00:00:00', timeError('since')],
      ['since=2024-01-01T99:00:00Z', timeError('since')],
      ['until=2024-01-01T00:00:00%2B99:00', timeError('until')],
      ['until=2024-01-00T00:00:00', timeError('until')],
      // Years neither engine stores: year 0, and 9999 carried into 10000 by its offset.
      ['since=0000-01-01T00:00:00', timeError('since')],
      ['until=9999-12-31T23:59:59-05:00', timeError('until')],
      ['since=yesterday', timeError('since')],
      ['since=2024-01-01', timeError('since')],
      ['since=%', timeError('since')],
      ['since=2024-01-01T00:00:00%00', invalid({ loc: ['query', 'since'], ...NUL_ERROR })],
      ['actor=a%00b', invalid({ loc: ['query', 'actor'], ...NUL_ERROR })],
      ['actor=a&actor=b', invalid({ loc: ['query', 'actor'], ...STR_ERROR })],
      ['since=2024-01-01T00:00:00&since=2025-01-01T00:00:00', invalid({ loc: ['query', 'since'], ...STR_ERROR })],
      [
        `target_id=${'x'.repeat(256)}`,
        invalid({
          loc: ['query', 'target_id'],
          msg: 'ensure this value has at most 255 characters',
          type: 'value_error.any_str.max_length',
          ctx: { limit_value: 255 },
        }),
      ],
      ['limit=0', invalid({ loc: ['query', 'limit'], ...pageParamError('limit', '0')! })],
      ['limit=501', invalid({ loc: ['query', 'limit'], ...pageParamError('limit', '501')! })],
      ['limit=-1', invalid({ loc: ['query', 'limit'], ...pageParamError('limit', '-1')! })],
      ['limit=1e3', invalid({ loc: ['query', 'limit'], ...pageParamError('limit', '1e3')! })],
      [
        'offset=9007199254740992',
        invalid({ loc: ['query', 'offset'], ...pageParamError('offset', '9007199254740992')! }),
      ],
      [
        'offset=99999999999999999999',
        invalid({ loc: ['query', 'offset'], ...pageParamError('offset', '99999999999999999999')! }),
      ],
    ] as const)('GET /api/v1/audit?%s is a 422', async (query, expected) => {
      const response = await sendQuery(AUDIT, query).set(ADMIN);
      expectSafeAnswer(response, AUDIT);
      expect([response.status, response.body]).toEqual([422, expected]);
    });

    it.each([
      'since=0001-01-01T00:00:00&until=9999-12-31T23:59:59',
      'since=2024-01-01T00:00:00.123456%2B05:30&until=2999-01-01T00:00:00-14:00',
      'offset=9007199254740991',
      'limit=500&offset=0',
      'limit=0005',
      'actor=system&action=user.created&target_type=user',
      'actor=%zz&action=%E0%A4%A&target_type=%',
      'actor=%27%20OR%201%3D1%20--&action=%25&target_id=_',
      '__proto__=x&constructor=y&prototype=z',
      '__proto__=a&__proto__=b&constructor=a&constructor=b',
      'toString=1&valueOf=2&hasOwnProperty=3&actor[]=x',
    ])('GET /api/v1/audit?%s is a 200 whose items fit the filters', async (query) => {
      const response = await sendQuery(AUDIT, query).set(ADMIN);
      expectSafeAnswer(response, AUDIT);
      expect(response.status).toBe(200);
      expectAuditPage(response.body as { items: AuditItem[]; total: number }, new URLSearchParams(query));
    });

    it('GET /api/v1/audit filters exactly: LIKE wildcards and SQL match nothing but themselves', async () => {
      for (const actor of ['%', '_', "' OR '1'='1", 'adm%', 'ADMIN']) {
        const response = await sendQuery(AUDIT, new URLSearchParams({ actor }).toString()).set(ADMIN);
        expect([actor, response.status, response.body]).toEqual([actor, 200, { items: [], total: 0 }]);
      }
    });
  });

  describe('login form', () => {
    it('random form fields are a 401 when username and password are each given once, otherwise a 422', async () => {
      await check(loginForms, async (pairs) => {
        const response = await send('POST /api/security/token')
          .type('form')
          .send(new URLSearchParams(pairs).toString());
        expectSafeAnswer(response, 'POST /api/security/token');
        expect(response.status).toBe(formOutcome(pairs));
        if (response.status === 401) expect(response.body).toEqual(UNAUTHORIZED);
      });
    });
  });

  describe('specific cases', () => {
    it('answers a 2 MiB JSON body with 413 PayloadTooLargeError', async () => {
      const response = await send('POST /api/users')
        .set(ADMIN)
        .set('Content-Type', 'application/json')
        .send(JSON.stringify({ first_name: 'x'.repeat(2 * 1024 * 1024) }));
      expect(response.status).toBe(413);
      expect(response.body).toEqual(envelope('PayloadTooLargeError', { detail: 'Request body is too large' }));
    });

    it('refuses a 1 MB password as too long, fast (before any hashing), storing nothing', async () => {
      const before = await snapshot(dataSource);
      const started = performance.now();
      const response = await send('POST /api/users')
        .set(ADMIN)
        .send({ first_name: 'Big', username: 'big-password', password: 'p'.repeat(1_000_000) });
      const elapsed = performance.now() - started;
      expect(response.status).toBe(422);
      expect(response.body).toEqual(
        invalid({
          loc: ['body', 'password'],
          msg: 'ensure this value has at most 100 characters',
          type: 'value_error.any_str.max_length',
          ctx: { limit_value: 100 },
        }),
      );
      expect(elapsed).toBeLessThan(2_000);
      expect(await snapshot(dataSource)).toEqual(before);
    });

    it('answers duplicate login form fields with the same 422 every time', async () => {
      const expected = invalid({ loc: ['body', 'username'], msg: 'str type expected', type: 'type_error.str' });
      for (let attempt = 0; attempt < 2; attempt++) {
        const response = await send('POST /api/security/token').type('form').send('username=a&username=b&password=x');
        expect(response.status).toBe(422);
        expect(response.body).toEqual(expected);
      }
    });

    it('creates an annotator from a valid body that also carries __proto__ and constructor fields', async () => {
      const response = await send('POST /api/users')
        .set(ADMIN)
        .set('Content-Type', 'application/json')
        .send(
          '{"first_name": "Proto", "username": "proto", "password": "password-1234",' +
            ' "__proto__": {"role": "admin"}, "constructor": {"prototype": {"role": "admin"}}}',
        );
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ username: 'proto', role: 'annotator' });
      expect(Object.keys(Object.prototype)).toEqual([]);
    });

    // Issue #13: class-transformer took the nested `constructor` for a class to build the object with (a 500).
    const MISSING = (field: string) => ({ loc: ['body', field], msg: 'field required', type: 'value_error.missing' });
    it.each([
      ['POST /api/workspaces', invalid(MISSING('name'))],
      ['POST /api/users', invalid(MISSING('first_name'), MISSING('username'), MISSING('password'))],
      ['POST /api/security/token', invalid(MISSING('username'), MISSING('password'))],
    ] as const)(
      'answers %s a body of only a nested "constructor" field as a body without fields',
      async (route, expected) => {
        for (const json of ['{"a": {"constructor": "x"}}', '{"a": [{"b": {"constructor": {"prototype": {}}}}]}']) {
          const response = await send(route).set(ADMIN).set('Content-Type', 'application/json').send(json);
          expect({ json, status: response.status, body: response.body as unknown }).toEqual({
            json,
            status: 422,
            body: expected,
          });
        }
      },
    );

    it('answers a "constructor" object where a name is expected with 422 on that field', async () => {
      const response = await send('POST /api/workspaces')
        .set(ADMIN)
        .set('Content-Type', 'application/json')
        .send('{"name": {"constructor": "x", "__proto__": {}, "prototype": 1}}');
      expect([response.status, response.body]).toEqual([
        422,
        invalid({ loc: ['body', 'name'], msg: 'str type expected', type: 'type_error.str' }),
      ]);
    });

    it('answers a text/plain body to POST /api/users with 422: no body was read', async () => {
      const response = await send('POST /api/users')
        .set(ADMIN)
        .set('Content-Type', 'text/plain')
        .send(JSON.stringify({ first_name: 'Ada', username: 'plain', password: 'password-1234' }));
      expect(response.status).toBe(422);
      expect(response.body).toEqual(invalid({ loc: ['body'], msg: 'field required', type: 'value_error.missing' }));
      expect(await dataSource.getRepository(User).countBy({ username: 'plain' })).toBe(0);
    });

    // Argilla (FastAPI) reads a JSON `null` body as a missing body, and any other JSON that is not an object as
    // a body of the wrong type.
    const MISSING_BODY = invalid({ loc: ['body'], msg: 'field required', type: 'value_error.missing' });
    const NOT_A_DICT = invalid({ loc: ['body'], msg: 'value is not a valid dict', type: 'type_error.dict' });
    it.each([
      ['null', MISSING_BODY],
      ['[]', NOT_A_DICT],
      ['"string"', NOT_A_DICT],
      ['42', NOT_A_DICT],
    ])('answers the JSON body %s to POST /api/users with the same 422 every time', async (body, expected) => {
      for (let attempt = 0; attempt < 2; attempt++) {
        const response = await send('POST /api/users').set(ADMIN).set('Content-Type', 'application/json').send(body);
        expect(response.status).toBe(422);
        expect(response.body).toEqual(expected);
      }
    });
  });

  describe('inputs that must never cause a 500', () => {
    // 100 000 levels fit in 200 KB, well under the 1 MiB body limit.
    const DEEP = JSON.stringify({ a: 0 }).replace('0', '['.repeat(100_000) + ']'.repeat(100_000));

    it.each(BODY_ROUTE_NAMES)('%s: a JSON body nested 100 000 levels deep is a 4xx, not a 500', async (route) => {
      const response = await send(route).set(ADMIN).set('Content-Type', 'application/json').send(DEEP);
      expectSafeAnswer(response, route);
      expect([response.status, response.body]).toEqual([
        422,
        invalid({ loc: ['body'], msg: 'value is nested more than 32 levels deep', type: 'value_error.nesting' }),
      ]);
    });

    const nulError = (field: string) =>
      invalid({ loc: ['body', field], msg: 'string contains a NUL character', type: 'value_error.str.nul' });

    it.each(['first_name', 'last_name'])('POST /api/users: a NUL character in %s is a 422 on it', async (field) => {
      const response = await send('POST /api/users')
        .set(ADMIN)
        .send({
          first_name: 'Nul',
          [field]: 'a\u0000b',
          username: `nul-${field.replace('_', '-')}`,
          password: 'password-1234',
        });
      expectSafeAnswer(response, 'POST /api/users');
      expect([response.status, response.body]).toEqual([422, nulError(field)]);
    });

    it('a login whose username has a NUL character is a 422 on it (no such name can exist)', async () => {
      const response = await send('POST /api/security/token')
        .type('form')
        .send({ username: 'mem\u0000ber', password: 'password-1234' });
      expect([response.status, response.body]).toEqual([422, nulError('username')]);
    });

    const LONG_NAME = Array.from({ length: 313 }, (_, block) =>
      createHash('sha256').update(`long-name:${block}`).digest('hex'),
    )
      .join('')
      .slice(0, 20_000);

    it.each([
      ['POST /api/users', { first_name: 'Long', username: LONG_NAME, password: 'password-1234' }],
      ['POST /api/workspaces', { name: LONG_NAME }],
    ] as const)('%s: a valid 20 000-character name gets a safe answer', async (route, body) => {
      expectSafeAnswer(await send(route).set(ADMIN).send(body), route);
    });

    it('a login with a 20 000-character username is a 401', async () => {
      const response = await send('POST /api/security/token')
        .type('form')
        .send({ username: `x${LONG_NAME}`, password: 'password-1234' });
      expect(response.status).toBe(401);
      expect(response.body).toEqual(UNAUTHORIZED);
      // Recorded, its actor's name cut to a username's length (an index cannot hold 20 000 characters).
      const audit = await api(app)
        .get('/api/v1/audit')
        .query({ action: 'login.failed', actor: `x${LONG_NAME}`.slice(0, 255) })
        .set(ADMIN);
      expect(audit.body.items).toEqual([
        expect.objectContaining({
          target: { type: 'user', name: `x${LONG_NAME}` },
          details: { known_user: false, count: 1 },
        }),
      ]);
    });
  });
});
