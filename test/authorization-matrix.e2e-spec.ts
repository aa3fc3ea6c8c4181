import type { NestExpressApplication } from '@nestjs/platform-express';
import { createHmac } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AuthService } from '@argilla/auth';
import { AuditEvent, PersonalAccessToken, User, UserSession, Workspace } from '@argilla/database';
import { PasswordHasher, PersonalAccessTokensService, UserSessionsService } from '@argilla/users';
import { WorkspacesService } from '@argilla/workspaces';
import {
  api,
  ApiSuite,
  envelope,
  FORBIDDEN,
  invalid,
  MISSING_ID,
  notFound,
  openApiSuite,
  seedUser,
  TEST_SECRET,
  UNAUTHORIZED,
} from './support/api';
import { registeredRoutes } from './support/routes';
import { engines, snapshot } from './support/test-database';

type Caller = 'anonymous' | 'annotatorOutsider' | 'annotatorMember' | 'admin' | 'owner';

/** The callers, in the order of the table's status columns. */
const CALLERS: readonly Caller[] = ['anonymous', 'annotatorOutsider', 'annotatorMember', 'admin', 'owner'];

const CREDENTIALS: Record<Caller, Record<string, string>> = {
  anonymous: {},
  annotatorOutsider: { 'X-Argilla-Api-Key': 'outsider.apikey' },
  annotatorMember: { 'X-Argilla-Api-Key': 'member.apikey' },
  admin: { 'X-Argilla-Api-Key': 'admin.apikey' },
  owner: { 'X-Argilla-Api-Key': 'owner.apikey' },
};

/**
 * How the callers other than the anonymous one authenticate on a table (the anonymous caller sends nothing):
 * - `apiKey`: its API key, in `X-Argilla-Api-Key` (CREDENTIALS);
 * - `jwt`: the bearer JWT of a login of its own, made for the row (a session of its own, which the JWT names);
 * - `jwtWithoutSession`: a bearer JWT that names no session (`sid`), as an earlier release issued;
 * - `accessToken` / `readAccessToken`: a personal access token of its own, of scope `full` / `read`, made for the
 *   row, in `X-Argilla-Api-Key`.
 */
type Credential = 'apiKey' | 'jwt' | 'jwtWithoutSession' | 'accessToken' | 'readAccessToken';

const CREDENTIAL_TITLES: Record<Credential, string> = {
  apiKey: '',
  jwt: ' with a login JWT',
  jwtWithoutSession: ' with a JWT without session',
  accessToken: ' with a personal access token',
  readAccessToken: ' with a read personal access token',
};

/** Each caller's username (its key is `<username>.apikey`, its password `password-1234`). */
const USERNAMES: Record<Exclude<Caller, 'anonymous'>, string> = {
  annotatorOutsider: 'outsider',
  annotatorMember: 'member',
  admin: 'admin',
  owner: 'owner',
};

/**
 * What a line sends as its body:
 * - `newUser` / `newWorkspace`: a valid creation body with a name no other row uses;
 * - `empty`: `{}`, which fails validation;
 * - `login` / `wrongLogin`: the member's form login, with its password or a wrong one;
 * - `rename`: a valid user update, `{"first_name": "Renamed"}`;
 * - `changePassword` / `resetPassword`: a valid password change (the caller's own) or reset;
 * - `newToken`: a valid personal access token creation, with a name no other token uses.
 */
type BodyKind =
  | 'newUser'
  | 'newWorkspace'
  | 'empty'
  | 'login'
  | 'wrongLogin'
  | 'rename'
  | 'changePassword'
  | 'resetPassword'
  | 'newToken';

/** A cell of the table: the status the caller gets, or `__` where the line asserts nothing for that caller. */
type Cell = number | null;
const __ = null;

/**
 * One request, and what each caller gets for it.
 * - `request`: method and concrete path. Placeholders are resolved when the row runs, so that each row has its own
 *   targets: `{team}` the target workspace, `{user}` a fresh annotator in no workspace, `{member}` a fresh annotator
 *   in `{team}`, `{workspace}` a fresh empty workspace, `{missing}` a well-formed id no row has, `{token}` a fresh
 *   personal access token of the caller (of the admin for the anonymous caller), `{usertoken}` one of `{user}`,
 *   `{session}` a fresh session of the caller (of the admin for the anonymous caller), `{signedin}` a fresh
 *   annotator in no workspace with one session, `{usersession}` that session. The route it tests is the one
 *   registered route whose pattern the path matches.
 * - one status per caller, in the order of CALLERS;
 * - `answer`: the exact body of every status other than 200, 201, 401 and 403 on the line (those two always get their
 *   envelope; a 200's body is the business of the route's own suite); placeholders in its strings are resolved as in
 *   the path.
 */
type Line = [
  request: string,
  body: BodyKind | null,
  anonymous: Cell,
  annotatorOutsider: Cell,
  annotatorMember: Cell,
  admin: Cell,
  owner: Cell,
  answer?: unknown,
];

const SSO_OFF = envelope('NotFoundError', { detail: 'Single sign-on is not configured' });

const uuidError = (param: string) => ({
  loc: ['path', param],
  msg: 'value is not a valid uuid',
  type: 'type_error.uuid',
});
const BAD_USER_ID = invalid(uuidError('user_id'));
const BAD_WORKSPACE_ID = invalid(uuidError('workspace_id'));
const BAD_BOTH_IDS = invalid(uuidError('workspace_id'), uuidError('user_id'));
const EMPTY_USER_BODY = invalid(
  { loc: ['body', 'first_name'], msg: 'field required', type: 'value_error.missing' },
  { loc: ['body', 'username'], msg: 'field required', type: 'value_error.missing' },
  { loc: ['body', 'password'], msg: 'field required', type: 'value_error.missing' },
);
const EMPTY_WORKSPACE_BODY = invalid({ loc: ['body', 'name'], msg: 'field required', type: 'value_error.missing' });
const NO_USER = notFound(MISSING_ID, 'User');
const NO_WORKSPACE = notFound(MISSING_ID, 'Workspace');
const NO_TOKEN = envelope('EntityNotFoundError', { name: MISSING_ID, type: 'PersonalAccessToken' });
const BAD_TOKEN_ID = invalid(uuidError('token_id'));
const EMPTY_TOKEN_BODY = invalid({ loc: ['body', 'name'], msg: 'field required', type: 'value_error.missing' });
const NO_SESSION = envelope('EntityNotFoundError', { name: MISSING_ID, type: 'UserSession' });
const NOT_OWN_SESSION = envelope('EntityNotFoundError', { name: '{usersession}', type: 'UserSession' });
const BAD_SESSION_ID = invalid(uuidError('session_id'));
const NO_SESSION_TO_END = envelope('BadRequestError', {
  detail:
    'This request has no session to end: it was made with an API key or a personal access token, not with the ' +
    'bearer token of a login (revoke a personal access token with DELETE /api/v1/me/tokens/{token_id})',
});
const BAD_SINCE = invalid({ loc: ['query', 'since'], msg: 'invalid datetime format', type: 'value_error.datetime' });
const SESSIONLESS_JWT = envelope('BadRequestError', {
  detail:
    'This bearer token has no session (it was issued by an earlier release): it cannot be ended alone; it ends ' +
    'when it expires, when the password changes, or when the user is disabled or deleted',
});

// Every registered route × every caller, then the probes of the order of checks (authentication, validation,
// permission, lookup): unknown and malformed ids never tell a caller without the right anything. An owner (Argilla
// 1.11's superuser role) has exactly an admin's rights. Adding a route is adding a line.
// prettier-ignore
const TABLE: Line[] = [
  // request                                               body              anon  outsd member admin owner  answer
  // Only ARGILLA_METRICS_TOKEN opens /metrics (test/operations.e2e-spec.ts): no user does, admins included.
  ['GET /metrics',                                         null,             401,  401,  401,  401,  401],
  // Single sign-on is off in this suite: its routes answer 404 to everyone (test/oidc.e2e-spec.ts covers them on).
  ['GET /api/v1/oauth2/providers',                         null,             404,  404,  404,  404,  404,  SSO_OFF],
  ['GET /api/v1/oauth2/providers/testidp/authentication',  null,             404,  404,  404,  404,  404,  SSO_OFF],
  ['GET /api/v1/oauth2/providers/testidp/access-token',    null,             404,  404,  404,  404,  404,  SSO_OFF],
  ['GET /oauth/testidp/callback',                          null,             404,  404,  404,  404,  404,  SSO_OFF],
  ['GET /api/_info',                                       null,             200,  200,  200,  200,  200],
  ['GET /api/_status',                                     null,             200,  200,  200,  200,  200],
  ['POST /api/security/token',                             'login',          200,  200,  200,  200,  200],
  // Once is enough: more wrong logins would lock the member out (test/login-throttle.e2e-spec.ts).
  ['POST /api/security/token',                             'wrongLogin',     401,  __,   __,   __,   __],
  ['GET /api/me',                                          null,             401,  200,  200,  200,  200],
  ['GET /api/users',                                       null,             401,  403,  403,  200,  200],
  ['POST /api/users',                                      'newUser',        401,  403,  403,  200,  200],
  ['POST /api/users',                                      'empty',          401,  422,  422,  422,  422,  EMPTY_USER_BODY],
  ['DELETE /api/users/{user}',                             null,             401,  403,  403,  200,  200],
  ['DELETE /api/users/{missing}',                          null,             401,  403,  403,  404,  404,  NO_USER],
  ['DELETE /api/users/not-a-uuid',                         null,             401,  422,  422,  422,  422,  BAD_USER_ID],
  ['GET /api/workspaces',                                  null,             401,  200,  200,  200,  200],
  ['POST /api/workspaces',                                 'newWorkspace',   401,  403,  403,  200,  200],
  ['POST /api/workspaces',                                 'empty',          401,  422,  422,  422,  422,  EMPTY_WORKSPACE_BODY],
  ['GET /api/workspaces/{team}/users',                     null,             401,  403,  403,  200,  200],
  ['GET /api/workspaces/{missing}/users',                  null,             401,  403,  403,  404,  404,  NO_WORKSPACE],
  ['GET /api/workspaces/not-a-uuid/users',                 null,             401,  422,  422,  422,  422,  BAD_WORKSPACE_ID],
  ['POST /api/workspaces/{team}/users/{user}',             null,             401,  403,  403,  200,  200],
  ['POST /api/workspaces/{missing}/users/{missing}',       null,             401,  403,  403,  404,  404,  NO_WORKSPACE],
  ['POST /api/workspaces/{missing}/users/{user}',          null,             401,  403,  403,  404,  404,  NO_WORKSPACE],
  // Two malformed ids: both reported, in the path's order, as FastAPI does.
  ['POST /api/workspaces/not-a-uuid/users/not-a-uuid',     null,             401,  422,  422,  422,  422,  BAD_BOTH_IDS],
  ['DELETE /api/workspaces/not-a-uuid/users/not-a-uuid',   null,             401,  422,  422,  422,  422,  BAD_BOTH_IDS],
  ['POST /api/workspaces/not-a-uuid/users/{user}',         null,             401,  422,  422,  422,  422,  BAD_WORKSPACE_ID],
  ['DELETE /api/workspaces/{team}/users/{member}',         null,             401,  403,  403,  200,  200],
  ['DELETE /api/workspaces/{team}/users/{missing}',        null,             401,  403,  403,  404,  404,  NO_USER],
  ['DELETE /api/workspaces/{team}/users/not-a-uuid',       null,             401,  422,  422,  422,  422,  BAD_USER_ID],
  ['GET /api/v1/workspaces/{team}',                        null,             401,  403,  200,  200,  200],
  ['GET /api/v1/workspaces/{missing}',                     null,             401,  403,  403,  404,  404,  { detail: `Workspace with id \`${MISSING_ID}\` not found` }],
  ['GET /api/v1/workspaces/not-a-uuid',                    null,             401,  422,  422,  422,  422,  BAD_WORKSPACE_ID],
  // Beyond Argilla 1.8: the v1 user management routes.
  ['GET /api/v1/me',                                       null,             401,  200,  200,  200,  200],
  ['GET /api/v1/me/workspaces',                            null,             401,  200,  200,  200,  200],
  ['POST /api/v1/me/api-key',                              null,             401,  200,  200,  200,  200],
  ['GET /api/v1/users/{user}',                             null,             401,  403,  403,  200,  200],
  ['GET /api/v1/users/{missing}',                          null,             401,  403,  403,  404,  404,  NO_USER],
  ['GET /api/v1/users/{user}/workspaces',                  null,             401,  403,  403,  200,  200],
  ['GET /api/v1/users/{missing}/workspaces',               null,             401,  403,  403,  404,  404,  NO_USER],
  ['POST /api/v1/users/{user}/api-key',                    null,             401,  403,  403,  200,  200],
  ['POST /api/v1/users/{missing}/api-key',                 null,             401,  403,  403,  404,  404,  NO_USER],
  ['DELETE /api/v1/workspaces/{workspace}',                null,             401,  403,  403,  200,  200],
  ['DELETE /api/v1/workspaces/{missing}',                  null,             401,  403,  403,  404,  404,  NO_WORKSPACE],
  ['GET /api/v1/workspaces/{team}/users',                  null,             401,  403,  403,  200,  200],
  ['GET /api/v1/workspaces/{missing}/users',               null,             401,  403,  403,  404,  404,  NO_WORKSPACE],
  ['PATCH /api/v1/users/{user}',                           'rename',         401,  403,  403,  200,  200],
  ['PATCH /api/v1/users/{missing}',                        'rename',         401,  403,  403,  404,  404,  NO_USER],
  ['PUT /api/v1/me/password',                              'changePassword', 401,  200,  200,  200,  200],
  ['PUT /api/v1/users/{user}/password',                    'resetPassword',  401,  403,  403,  200,  200],
  ['PUT /api/v1/users/{missing}/password',                 'resetPassword',  401,  403,  403,  404,  404,  NO_USER],
  ['DELETE /api/v1/users/{user}',                          null,             401,  403,  403,  200,  200],
  ['DELETE /api/v1/users/{missing}',                       null,             401,  403,  403,  404,  404,  NO_USER],
  ['DELETE /api/v1/users/not-a-uuid',                      null,             401,  422,  422,  422,  422,  BAD_USER_ID],
  ['GET /api/v1/users',                                    null,             401,  403,  403,  200,  200],
  // Beyond Argilla: personal access tokens (test/tokens.e2e-spec.ts: scopes and what a token may not do).
  ['POST /api/v1/me/tokens',                               'newToken',       401,  201,  201,  201,  201],
  ['POST /api/v1/me/tokens',                               'empty',          401,  422,  422,  422,  422,  EMPTY_TOKEN_BODY],
  ['GET /api/v1/me/tokens',                                null,             401,  200,  200,  200,  200],
  ['DELETE /api/v1/me/tokens/{token}',                     null,             401,  200,  200,  200,  200],
  ['DELETE /api/v1/me/tokens/{missing}',                   null,             401,  404,  404,  404,  404,  NO_TOKEN],
  ['DELETE /api/v1/me/tokens/not-a-uuid',                  null,             401,  422,  422,  422,  422,  BAD_TOKEN_ID],
  ['GET /api/v1/users/{user}/tokens',                      null,             401,  403,  403,  200,  200],
  ['GET /api/v1/users/{missing}/tokens',                   null,             401,  403,  403,  404,  404,  NO_USER],
  ['DELETE /api/v1/users/{user}/tokens/{usertoken}',       null,             401,  403,  403,  200,  200],
  ['DELETE /api/v1/users/{user}/tokens/{missing}',         null,             401,  403,  403,  404,  404,  NO_TOKEN],
  ['DELETE /api/v1/users/{missing}/tokens/{missing}',      null,             401,  403,  403,  404,  404,  NO_USER],
  // Beyond Argilla: sessions, one per login. An API key has none to end; the tables below log in.
  ['POST /api/v1/me/logout',                               null,             401,  400,  400,  400,  400,  NO_SESSION_TO_END],
  ['GET /api/v1/me/sessions',                              null,             401,  200,  200,  200,  200],
  ['DELETE /api/v1/me/sessions/{session}',                 null,             401,  200,  200,  200,  200],
  ['DELETE /api/v1/me/sessions/{missing}',                 null,             401,  404,  404,  404,  404,  NO_SESSION],
  // Someone else's session is unknown to the caller, admins included.
  ['DELETE /api/v1/me/sessions/{usersession}',             null,             401,  404,  404,  404,  404,  NOT_OWN_SESSION],
  ['DELETE /api/v1/me/sessions/not-a-uuid',                null,             401,  422,  422,  422,  422,  BAD_SESSION_ID],
  ['GET /api/v1/users/{signedin}/sessions',                null,             401,  403,  403,  200,  200],
  ['GET /api/v1/users/{missing}/sessions',                 null,             401,  403,  403,  404,  404,  NO_USER],
  ['GET /api/v1/users/not-a-uuid/sessions',                null,             401,  422,  422,  422,  422,  BAD_USER_ID],
  ['DELETE /api/v1/users/{signedin}/sessions',             null,             401,  403,  403,  200,  200],
  ['DELETE /api/v1/users/{missing}/sessions',              null,             401,  403,  403,  404,  404,  NO_USER],
  ['DELETE /api/v1/users/not-a-uuid/sessions',             null,             401,  422,  422,  422,  422,  BAD_USER_ID],
  // Beyond Argilla: the audit log, for admins. A malformed filter is refused before the role is looked at, as a
  // malformed body is.
  ['GET /api/v1/audit',                                    null,             401,  403,  403,  200,  200],
  ['GET /api/v1/audit?action=user.created&target_type=user&target_id={user}&since=2020-01-01T00:00:00&limit=5',
                                                           null,             401,  403,  403,  200,  200],
  ['GET /api/v1/audit?since=yesterday',                    null,             401,  422,  422,  422,  422,  BAD_SINCE],
];

// The same callers with other credentials, on the routes that tell them apart (the anonymous caller has none).
// prettier-ignore
const JWT_TABLE: Line[] = [
  // request                                               body              anon  outsd member admin owner  answer
  ['GET /api/v1/audit',                                    null,             __,   403,  403,  200,  200],
  ['POST /api/v1/me/logout',                               null,             __,   200,  200,  200,  200],
  ['GET /api/v1/me/sessions',                              null,             __,   200,  200,  200,  200],
  ['DELETE /api/v1/me/sessions/{session}',                 null,             __,   200,  200,  200,  200],
  ['DELETE /api/v1/me/sessions/{usersession}',             null,             __,   404,  404,  404,  404,  NOT_OWN_SESSION],
  ['GET /api/v1/users/{signedin}/sessions',                null,             __,   403,  403,  200,  200],
  ['DELETE /api/v1/users/{signedin}/sessions',             null,             __,   403,  403,  200,  200],
];
// prettier-ignore
const JWT_WITHOUT_SESSION_TABLE: Line[] = [
  ['POST /api/v1/me/logout',                               null,             __,   400,  400,  400,  400,  SESSIONLESS_JWT],
  ['GET /api/v1/me/sessions',                              null,             __,   200,  200,  200,  200],
];
// prettier-ignore
const ACCESS_TOKEN_TABLE: Line[] = [
  ['POST /api/v1/me/logout',                               null,             __,   400,  400,  400,  400,  NO_SESSION_TO_END],
  ['GET /api/v1/me/sessions',                              null,             __,   200,  200,  200,  200],
];
// A read token may not write: refused before anything else.
// prettier-ignore
const READ_ACCESS_TOKEN_TABLE: Line[] = [
  ['GET /api/v1/audit',                                    null,             __,   403,  403,  200,  200],
  ['POST /api/v1/me/logout',                               null,             __,   403,  403,  403,  403],
  ['GET /api/v1/me/sessions',                              null,             __,   200,  200,  200,  200],
  ['DELETE /api/v1/me/sessions/{session}',                 null,             __,   403,  403,  403,  403],
];

const TABLES: Record<Credential, Line[]> = {
  apiKey: TABLE,
  jwt: JWT_TABLE,
  jwtWithoutSession: JWT_WITHOUT_SESSION_TABLE,
  accessToken: ACCESS_TOKEN_TABLE,
  readAccessToken: READ_ACCESS_TOKEN_TABLE,
};

interface Row {
  method: string;
  /** The concrete path, placeholders unresolved. */
  path: string;
  body: BodyKind | null;
  caller: Caller;
  credential: Credential;
  status: number;
  answer?: unknown;
}

/** The tables, one row for each asserted cell. */
const ROWS: Row[] = (Object.entries(TABLES) as [Credential, Line[]][]).flatMap(([credential, table]) =>
  table.flatMap(([request, body, ...cells]) => {
    const [method, path] = request.split(' ');
    const answer = cells[CALLERS.length];
    return CALLERS.flatMap((caller, column): Row[] => {
      const status = cells[column] as Cell;
      return status === null ? [] : [{ method, path, body, caller, credential, status, answer }];
    });
  }),
);

/** The routes whose success changes the users, workspaces, memberships, tokens or sessions. */
const STATE_CHANGING = new Set([
  'POST /api/security/token',
  'POST /api/users',
  'DELETE /api/users/:user_id',
  'POST /api/workspaces',
  'POST /api/workspaces/:workspace_id/users/:user_id',
  'DELETE /api/workspaces/:workspace_id/users/:user_id',
  'POST /api/v1/me/api-key',
  'POST /api/v1/users/:user_id/api-key',
  'DELETE /api/v1/workspaces/:workspace_id',
  'DELETE /api/v1/users/:user_id',
  'PATCH /api/v1/users/:user_id',
  'PUT /api/v1/me/password',
  'PUT /api/v1/users/:user_id/password',
  'POST /api/v1/me/tokens',
  'DELETE /api/v1/me/tokens/:token_id',
  'DELETE /api/v1/users/:user_id/tokens/:token_id',
  'POST /api/v1/me/logout',
  'DELETE /api/v1/me/sessions/:session_id',
  'DELETE /api/v1/users/:user_id/sessions',
]);

/**
 * The state-changing routes whose success records no audit event: ending sessions is not an audited action (the
 * session's start is: `login.succeeded`). Every other route of STATE_CHANGING records at least one event, by the
 * caller, when it succeeds; no other request records any, except a failed login (`login.failed`).
 */
const UNAUDITED_WRITES = new Set([
  'POST /api/v1/me/logout',
  'DELETE /api/v1/me/sessions/:session_id',
  'DELETE /api/v1/users/:user_id/sessions',
]);

/** The registered routes (`METHOD /pattern`) whose pattern matches the row's path (`:name` is one segment). */
function routesOf(row: { method: string; path: string }, registered: readonly string[]): string[] {
  const concrete = row.path.split('?')[0].replace(/\{[a-z]+\}/g, MISSING_ID);
  return registered.filter((route) => {
    const [method, pattern] = route.split(' ');
    return method === row.method && new RegExp(`^${pattern.replace(/:[a-z_]+/g, '[^/]+')}$`).test(concrete);
  });
}

const rowTitle = (row: Row): string =>
  `${row.method} ${row.path}${row.body ? ` (${row.body} body)` : ''} as ${row.caller}` +
  `${row.caller === 'anonymous' ? '' : CREDENTIAL_TITLES[row.credential]} → ${row.status}`;

/** A bearer JWT signed with the suite's secret, naming no session (as an earlier release issued them). */
function jwtWithoutSession(username: string): string {
  const iat = Math.floor(Date.now() / 1000);
  const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');
  const input = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode({ sub: username, iat, exp: iat + 3600 })}`;
  return `${input}.${createHmac('sha256', TEST_SECRET).update(input).digest('base64url')}`;
}

describe.each(engines())('authorization matrix (%s)', (engine) => {
  let suite: ApiSuite;
  let app: NestExpressApplication;
  let dataSource: DataSource;
  let team: Workspace;
  let registered: string[];

  beforeAll(async () => {
    // With a metrics token, so that /metrics exists and its refusals are checked too.
    suite = await openApiSuite(engine, { ARGILLA_METRICS_TOKEN: 'authorization-matrix-metrics-token-0123456789' });
    ({ app, dataSource } = suite);
    registered = registeredRoutes(app);
    await seedUser(app, { username: 'admin', role: 'admin' });
    await seedUser(app, { username: 'owner', role: 'owner' });
    await seedUser(app, { username: 'member', workspaces: ['team'] });
    await seedUser(app, { username: 'outsider' });
    team = await dataSource.getRepository(Workspace).findOneByOrFail({ name: 'team' });
  });

  afterAll(async () => {
    await suite?.close();
  });

  /**
   * The rows a request may change: the shared snapshot, and the sessions. Not the audit log: every successful write
   * adds to it (and a failed login too), which `auditWritten` checks apart.
   */
  const state = async () => ({
    ...((await snapshot(dataSource)) as object),
    sessions: await dataSource.getRepository(UserSession).find({ order: { id: 'ASC' } }),
  });

  /** The audit events, by id, as JSON text (a repeated event is updated in place: its count and time). */
  const auditEvents = async () =>
    new Map(
      (await dataSource.getRepository(AuditEvent).find({ order: { id: 'ASC' } })).map(
        (event) => [String(event.id), JSON.stringify(event)] as const,
      ),
    );
  /** The events added or updated since `before`, and the ids of those gone. */
  const auditWritten = async (before: Map<string, string>) => {
    const after = await auditEvents();
    return {
      written: [...after]
        .filter(([id, text]) => before.get(id) !== text)
        .map(([, text]) => JSON.parse(text) as Record<string, unknown>),
      gone: [...before.keys()].filter((id) => !after.has(id)),
    };
  };

  const userNamed = (username: string) => dataSource.getRepository(User).findOneByOrFail({ username });
  const startSession = async (userId: string) =>
    (await app
      .get(UserSessionsService)
      .start(
        await dataSource.getRepository(User).findOneByOrFail({ id: userId }),
        new Date(Date.now() + 3_600_000),
        {},
      ))!.id;

  /** The headers a row's caller authenticates with; what they need (a login, a token) is made for the row. */
  async function credentialsOf(row: Row, index: number): Promise<Record<string, string>> {
    if (row.caller === 'anonymous' || row.credential === 'apiKey') return CREDENTIALS[row.caller];
    const user = await userNamed(USERNAMES[row.caller]);
    switch (row.credential) {
      case 'jwt':
        return { Authorization: `Bearer ${(await app.get(AuthService).issueToken(user, {})).access_token}` };
      case 'jwtWithoutSession':
        return { Authorization: `Bearer ${jwtWithoutSession(user.username)}` };
      case 'accessToken':
      case 'readAccessToken': {
        const { token, secret } = await app.get(PersonalAccessTokensService).create(user.id, {
          name: `credential-token-${index}`,
          scope: row.credential === 'accessToken' ? 'full' : 'read',
        });
        // Used just now: the row's request does not write its `last_used_at`.
        await dataSource.getRepository(PersonalAccessToken).update({ id: token.id }, { lastUsedAt: new Date() });
        return { 'X-Argilla-Api-Key': secret };
      }
    }
  }

  it('covers every registered route, for every caller, and only registered routes', () => {
    const matches = ROWS.map((row) => ({ row, routes: routesOf(row, registered) }));
    const covered = (route: string, caller: Caller) =>
      matches.some((match) => match.routes.includes(route) && match.row.caller === caller);
    expect({
      registeredButNotInTable: registered.filter((route) => !matches.some((match) => match.routes.includes(route))),
      linesMatchingNoneOrSeveralRoutes: matches
        .filter((match) => match.routes.length !== 1)
        .map((match) => `${rowTitle(match.row)}: ${match.routes.join(', ') || 'no route'}`),
      routesMissingACaller: registered.flatMap((route) =>
        CALLERS.filter((caller) => !covered(route, caller)).map((caller) => `${route} as ${caller}`),
      ),
    }).toEqual({ registeredButNotInTable: [], linesMatchingNoneOrSeveralRoutes: [], routesMissingACaller: [] });
  });

  it('gives an exact answer for every status other than 200, 201, 401 and 403', () => {
    const unanswered = ROWS.filter((row) => ![200, 201, 401, 403].includes(row.status) && row.answer === undefined);
    expect(unanswered.map(rowTitle)).toEqual([]);
  });

  it.each(ROWS.map((row, index) => [rowTitle(row), row, index] as const))('%s', async (_title, row, index) => {
    // Targets are created for this row alone, before the "before" snapshot, so rows never depend on each other.
    const ids: Record<string, string> = { team: team.id, missing: MISSING_ID };
    if (row.path.includes('{user}')) {
      ids.user = (await seedUser(app, { username: `target-${index}` })).user.id;
    }
    if (row.path.includes('{member}')) {
      ids.member = (await seedUser(app, { username: `target-member-${index}`, workspaces: ['team'] })).user.id;
    }
    if (row.path.includes('{workspace}')) {
      ids.workspace = (await app.get(WorkspacesService).create(`target-workspace-${index}`)).id;
    }
    if (row.path.includes('{token}')) {
      const owner = row.caller === 'anonymous' ? 'admin' : USERNAMES[row.caller];
      const { id } = await dataSource.getRepository(User).findOneByOrFail({ username: owner });
      ids.token = (await app.get(PersonalAccessTokensService).create(id, { name: `target-token-${index}` })).token.id;
    }
    if (row.path.includes('{usertoken}')) {
      ids.usertoken = (
        await app.get(PersonalAccessTokensService).create(ids.user, { name: `target-token-${index}` })
      ).token.id;
    }
    if (row.path.includes('{session}')) {
      ids.session = await startSession(
        (await userNamed(row.caller === 'anonymous' ? 'admin' : USERNAMES[row.caller])).id,
      );
    }
    if (row.path.includes('{signedin}') || row.path.includes('{usersession}')) {
      ids.signedin = (await seedUser(app, { username: `target-signed-in-${index}` })).user.id;
      ids.usersession = await startSession(ids.signedin);
    }
    const resolve = (text: string) => text.replace(/\{([a-z]+)\}/g, (match, name: string) => ids[name] ?? match);
    const path = resolve(row.path);
    const [route] = routesOf(row, registered);
    const credentials = await credentialsOf(row, index);

    const before = await state();
    const auditBefore = await auditEvents();
    let request = api(app)
      [row.method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete'](path)
      .set(credentials);
    switch (row.body) {
      case 'newUser':
        request = request.send({ first_name: 'New', username: `new-user-${index}`, password: 'password-1234' });
        break;
      case 'newWorkspace':
        request = request.send({ name: `new-workspace-${index}` });
        break;
      case 'empty':
        request = request.send({});
        break;
      case 'login':
        request = request.type('form').send({ username: 'member', password: 'password-1234' });
        break;
      case 'wrongLogin':
        request = request.type('form').send({ username: 'member', password: 'wrong-password' });
        break;
      case 'rename':
        request = request.send({ first_name: 'Renamed' });
        break;
      case 'changePassword':
        request = request.send({ current_password: 'password-1234', new_password: 'password-5678' });
        break;
      case 'resetPassword':
        request = request.send({ new_password: 'password-5678' });
        break;
      case 'newToken':
        request = request.send({ name: `new-token-${index}` });
        break;
    }
    const response = await request;

    expect(response.status).toBe(row.status);
    if (row.status === 401) {
      expect(response.body).toEqual(UNAUTHORIZED);
      expect(response.headers['www-authenticate']).toBe('Bearer');
    } else if (row.status === 403) {
      expect(response.body).toEqual(FORBIDDEN);
    } else if (row.status >= 300) {
      expect(response.body).toEqual(JSON.parse(resolve(JSON.stringify(row.answer))));
    }

    const after = await state();
    if (row.status < 300 && STATE_CHANGING.has(route)) expect(after).not.toEqual(before);
    else expect(after).toEqual(before);

    // The audit log: a refused request leaves no trace, but a failed login; a successful write records the caller.
    const { written, gone } = await auditWritten(auditBefore);
    expect(gone).toEqual([]);
    const actions = written.map((event) => event.action);
    if (row.body === 'wrongLogin') {
      expect(written).toEqual([
        expect.objectContaining({
          action: 'login.failed',
          actorType: 'user',
          actorName: 'member',
          targetName: 'member',
          client: expect.any(String),
          requestId: expect.any(String),
        }),
      ]);
    } else if (row.status < 300 && STATE_CHANGING.has(route) && !UNAUDITED_WRITES.has(route)) {
      expect(actions.length).toBeGreaterThan(0);
      // A login's event names the user who logged in; any other, the caller.
      const actor = row.body === 'login' ? 'member' : USERNAMES[row.caller as Exclude<Caller, 'anonymous'>];
      const actorId = (await userNamed(actor)).id;
      expect(written).toEqual(
        written.map(() =>
          expect.objectContaining({
            actorType: 'user',
            actorId,
            actorName: actor,
            client: expect.any(String),
            requestId: expect.any(String),
          }),
        ),
      );
    } else {
      expect(actions).toEqual([]);
    }
    // A caller that replaced its own key or password gets them back, for the rows after this one.
    if (['POST /api/v1/me/api-key', 'PUT /api/v1/me/password'].includes(route) && row.status === 200) {
      const username = USERNAMES[row.caller as Exclude<Caller, 'anonymous'>];
      const passwordHash = await app.get(PasswordHasher).hash('password-1234');
      await dataSource
        .getRepository(User)
        .update({ username }, { apiKey: `${username}.apikey`, passwordHash, tokensValidAfter: null });
    }
  });
});
