import type { NestExpressApplication } from '@nestjs/platform-express';
import { DataSource } from 'typeorm';
import { User, Workspace } from '@argilla/database';
import { PasswordHasher } from '@argilla/users';
import { WorkspacesService } from '@argilla/workspaces';
import {
  api,
  ApiSuite,
  FORBIDDEN,
  invalid,
  MISSING_ID,
  notFound,
  openApiSuite,
  seedUser,
  UNAUTHORIZED,
} from './support/api';
import { registeredRoutes } from './support/routes';
import { engines, snapshot } from './support/test-database';

type Caller = 'anonymous' | 'annotatorOutsider' | 'annotatorMember' | 'admin' | 'owner';

const CALLERS: readonly Caller[] = ['anonymous', 'annotatorOutsider', 'annotatorMember', 'admin', 'owner'];

const CREDENTIALS: Record<Caller, Record<string, string>> = {
  anonymous: {},
  annotatorOutsider: { 'X-Argilla-Api-Key': 'outsider.apikey' },
  annotatorMember: { 'X-Argilla-Api-Key': 'member.apikey' },
  admin: { 'X-Argilla-Api-Key': 'admin.apikey' },
  owner: { 'X-Argilla-Api-Key': 'owner.apikey' },
};

/** Each caller's username (its key is `<username>.apikey`, its password `password-1234`). */
const USERNAMES: Record<Exclude<Caller, 'anonymous'>, string> = {
  annotatorOutsider: 'outsider',
  annotatorMember: 'member',
  admin: 'admin',
  owner: 'owner',
};

/**
 * What a row sends as its body:
 * - `newUser` / `newWorkspace`: a valid creation body with a name no other row uses;
 * - `empty`: `{}`, which fails validation;
 * - `login` / `wrongLogin`: the member's form login, with its password or a wrong one;
 * - `rename`: a valid user update, `{"first_name": "Renamed"}`;
 * - `changePassword` / `resetPassword`: a valid password change (the caller's own) or reset.
 */
type BodyKind =
  'newUser' | 'newWorkspace' | 'empty' | 'login' | 'wrongLogin' | 'rename' | 'changePassword' | 'resetPassword';

interface Row {
  /** Method and path pattern, exactly as the app registers the route. */
  route: string;
  /**
   * The concrete path. Placeholders are resolved when the row runs, so that each row has its own targets:
   * `{team}` the target workspace, `{user}` a fresh annotator in no workspace, `{member}` a fresh annotator in
   * `{team}`, `{missing}` a well-formed id no row has.
   */
  path: string;
  caller: Caller;
  body?: BodyKind;
  status: number;
  /** The exact answer, for statuses other than 200, 401 and 403 (those two always get their envelope). */
  answer?: unknown;
}

const uuidError = (param: string) =>
  invalid({ loc: ['path', param], msg: 'value is not a valid uuid', type: 'type_error.uuid' });
const BAD_USER_ID = uuidError('user_id');
const BAD_WORKSPACE_ID = uuidError('workspace_id');
const EMPTY_USER_BODY = invalid(
  { loc: ['body', 'first_name'], msg: 'field required', type: 'value_error.missing' },
  { loc: ['body', 'username'], msg: 'field required', type: 'value_error.missing' },
  { loc: ['body', 'password'], msg: 'field required', type: 'value_error.missing' },
);
const EMPTY_WORKSPACE_BODY = invalid({ loc: ['body', 'name'], msg: 'field required', type: 'value_error.missing' });

// Every registered route × every caller, then the probes of the order of checks (authentication, validation,
// permission, lookup): unknown and malformed ids never tell a caller without the right anything. The owner's rows
// are not written here: TABLE adds them, one for each admin row, with the same answer.
const ADMIN_TABLE: Row[] = [
  // Only ARGILLA_METRICS_TOKEN opens /metrics (test/operations.e2e-spec.ts): no user does, admins included.
  { route: 'GET /metrics', path: '/metrics', caller: 'anonymous', status: 401 },
  { route: 'GET /metrics', path: '/metrics', caller: 'annotatorOutsider', status: 401 },
  { route: 'GET /metrics', path: '/metrics', caller: 'annotatorMember', status: 401 },
  { route: 'GET /metrics', path: '/metrics', caller: 'admin', status: 401 },

  { route: 'GET /api/_info', path: '/api/_info', caller: 'anonymous', status: 200 },
  { route: 'GET /api/_info', path: '/api/_info', caller: 'annotatorOutsider', status: 200 },
  { route: 'GET /api/_info', path: '/api/_info', caller: 'annotatorMember', status: 200 },
  { route: 'GET /api/_info', path: '/api/_info', caller: 'admin', status: 200 },

  { route: 'GET /api/_status', path: '/api/_status', caller: 'anonymous', status: 200 },
  { route: 'GET /api/_status', path: '/api/_status', caller: 'annotatorOutsider', status: 200 },
  { route: 'GET /api/_status', path: '/api/_status', caller: 'annotatorMember', status: 200 },
  { route: 'GET /api/_status', path: '/api/_status', caller: 'admin', status: 200 },

  { route: 'POST /api/security/token', path: '/api/security/token', caller: 'anonymous', body: 'login', status: 200 },
  {
    route: 'POST /api/security/token',
    path: '/api/security/token',
    caller: 'annotatorOutsider',
    body: 'login',
    status: 200,
  },
  {
    route: 'POST /api/security/token',
    path: '/api/security/token',
    caller: 'annotatorMember',
    body: 'login',
    status: 200,
  },
  { route: 'POST /api/security/token', path: '/api/security/token', caller: 'admin', body: 'login', status: 200 },
  {
    route: 'POST /api/security/token',
    path: '/api/security/token',
    caller: 'anonymous',
    body: 'wrongLogin',
    status: 401,
  },

  { route: 'GET /api/me', path: '/api/me', caller: 'anonymous', status: 401 },
  { route: 'GET /api/me', path: '/api/me', caller: 'annotatorOutsider', status: 200 },
  { route: 'GET /api/me', path: '/api/me', caller: 'annotatorMember', status: 200 },
  { route: 'GET /api/me', path: '/api/me', caller: 'admin', status: 200 },

  { route: 'GET /api/users', path: '/api/users', caller: 'anonymous', status: 401 },
  { route: 'GET /api/users', path: '/api/users', caller: 'annotatorOutsider', status: 403 },
  { route: 'GET /api/users', path: '/api/users', caller: 'annotatorMember', status: 403 },
  { route: 'GET /api/users', path: '/api/users', caller: 'admin', status: 200 },

  { route: 'POST /api/users', path: '/api/users', caller: 'anonymous', body: 'newUser', status: 401 },
  { route: 'POST /api/users', path: '/api/users', caller: 'annotatorOutsider', body: 'newUser', status: 403 },
  { route: 'POST /api/users', path: '/api/users', caller: 'annotatorMember', body: 'newUser', status: 403 },
  { route: 'POST /api/users', path: '/api/users', caller: 'admin', body: 'newUser', status: 200 },
  { route: 'POST /api/users', path: '/api/users', caller: 'anonymous', body: 'empty', status: 401 },
  {
    route: 'POST /api/users',
    path: '/api/users',
    caller: 'annotatorMember',
    body: 'empty',
    status: 422,
    answer: EMPTY_USER_BODY,
  },

  { route: 'DELETE /api/users/:user_id', path: '/api/users/{user}', caller: 'anonymous', status: 401 },
  { route: 'DELETE /api/users/:user_id', path: '/api/users/{user}', caller: 'annotatorOutsider', status: 403 },
  { route: 'DELETE /api/users/:user_id', path: '/api/users/{user}', caller: 'annotatorMember', status: 403 },
  { route: 'DELETE /api/users/:user_id', path: '/api/users/{user}', caller: 'admin', status: 200 },
  { route: 'DELETE /api/users/:user_id', path: '/api/users/{missing}', caller: 'anonymous', status: 401 },
  { route: 'DELETE /api/users/:user_id', path: '/api/users/{missing}', caller: 'annotatorMember', status: 403 },
  {
    route: 'DELETE /api/users/:user_id',
    path: '/api/users/{missing}',
    caller: 'admin',
    status: 404,
    answer: notFound(MISSING_ID, 'User'),
  },
  { route: 'DELETE /api/users/:user_id', path: '/api/users/not-a-uuid', caller: 'anonymous', status: 401 },
  {
    route: 'DELETE /api/users/:user_id',
    path: '/api/users/not-a-uuid',
    caller: 'annotatorOutsider',
    status: 422,
    answer: BAD_USER_ID,
  },
  {
    route: 'DELETE /api/users/:user_id',
    path: '/api/users/not-a-uuid',
    caller: 'admin',
    status: 422,
    answer: BAD_USER_ID,
  },

  { route: 'GET /api/workspaces', path: '/api/workspaces', caller: 'anonymous', status: 401 },
  { route: 'GET /api/workspaces', path: '/api/workspaces', caller: 'annotatorOutsider', status: 200 },
  { route: 'GET /api/workspaces', path: '/api/workspaces', caller: 'annotatorMember', status: 200 },
  { route: 'GET /api/workspaces', path: '/api/workspaces', caller: 'admin', status: 200 },

  { route: 'POST /api/workspaces', path: '/api/workspaces', caller: 'anonymous', body: 'newWorkspace', status: 401 },
  {
    route: 'POST /api/workspaces',
    path: '/api/workspaces',
    caller: 'annotatorOutsider',
    body: 'newWorkspace',
    status: 403,
  },
  {
    route: 'POST /api/workspaces',
    path: '/api/workspaces',
    caller: 'annotatorMember',
    body: 'newWorkspace',
    status: 403,
  },
  { route: 'POST /api/workspaces', path: '/api/workspaces', caller: 'admin', body: 'newWorkspace', status: 200 },
  { route: 'POST /api/workspaces', path: '/api/workspaces', caller: 'anonymous', body: 'empty', status: 401 },
  {
    route: 'POST /api/workspaces',
    path: '/api/workspaces',
    caller: 'annotatorOutsider',
    body: 'empty',
    status: 422,
    answer: EMPTY_WORKSPACE_BODY,
  },

  {
    route: 'GET /api/workspaces/:workspace_id/users',
    path: '/api/workspaces/{team}/users',
    caller: 'anonymous',
    status: 401,
  },
  {
    route: 'GET /api/workspaces/:workspace_id/users',
    path: '/api/workspaces/{team}/users',
    caller: 'annotatorOutsider',
    status: 403,
  },
  {
    route: 'GET /api/workspaces/:workspace_id/users',
    path: '/api/workspaces/{team}/users',
    caller: 'annotatorMember',
    status: 403,
  },
  {
    route: 'GET /api/workspaces/:workspace_id/users',
    path: '/api/workspaces/{team}/users',
    caller: 'admin',
    status: 200,
  },
  {
    route: 'GET /api/workspaces/:workspace_id/users',
    path: '/api/workspaces/{missing}/users',
    caller: 'annotatorMember',
    status: 403,
  },
  {
    route: 'GET /api/workspaces/:workspace_id/users',
    path: '/api/workspaces/{missing}/users',
    caller: 'admin',
    status: 404,
    answer: notFound(MISSING_ID, 'Workspace'),
  },
  {
    route: 'GET /api/workspaces/:workspace_id/users',
    path: '/api/workspaces/not-a-uuid/users',
    caller: 'anonymous',
    status: 401,
  },

  {
    route: 'POST /api/workspaces/:workspace_id/users/:user_id',
    path: '/api/workspaces/{team}/users/{user}',
    caller: 'anonymous',
    status: 401,
  },
  {
    route: 'POST /api/workspaces/:workspace_id/users/:user_id',
    path: '/api/workspaces/{team}/users/{user}',
    caller: 'annotatorOutsider',
    status: 403,
  },
  {
    route: 'POST /api/workspaces/:workspace_id/users/:user_id',
    path: '/api/workspaces/{team}/users/{user}',
    caller: 'annotatorMember',
    status: 403,
  },
  {
    route: 'POST /api/workspaces/:workspace_id/users/:user_id',
    path: '/api/workspaces/{team}/users/{user}',
    caller: 'admin',
    status: 200,
  },
  {
    route: 'POST /api/workspaces/:workspace_id/users/:user_id',
    path: '/api/workspaces/{missing}/users/{missing}',
    caller: 'annotatorMember',
    status: 403,
  },
  {
    route: 'POST /api/workspaces/:workspace_id/users/:user_id',
    path: '/api/workspaces/{missing}/users/{user}',
    caller: 'admin',
    status: 404,
    answer: notFound(MISSING_ID, 'Workspace'),
  },
  {
    route: 'POST /api/workspaces/:workspace_id/users/:user_id',
    path: '/api/workspaces/not-a-uuid/users/not-a-uuid',
    caller: 'anonymous',
    status: 401,
  },
  {
    route: 'POST /api/workspaces/:workspace_id/users/:user_id',
    path: '/api/workspaces/not-a-uuid/users/{user}',
    caller: 'annotatorMember',
    status: 422,
    answer: BAD_WORKSPACE_ID,
  },

  {
    route: 'DELETE /api/workspaces/:workspace_id/users/:user_id',
    path: '/api/workspaces/{team}/users/{member}',
    caller: 'anonymous',
    status: 401,
  },
  {
    route: 'DELETE /api/workspaces/:workspace_id/users/:user_id',
    path: '/api/workspaces/{team}/users/{member}',
    caller: 'annotatorOutsider',
    status: 403,
  },
  {
    route: 'DELETE /api/workspaces/:workspace_id/users/:user_id',
    path: '/api/workspaces/{team}/users/{member}',
    caller: 'annotatorMember',
    status: 403,
  },
  {
    route: 'DELETE /api/workspaces/:workspace_id/users/:user_id',
    path: '/api/workspaces/{team}/users/{member}',
    caller: 'admin',
    status: 200,
  },
  {
    route: 'DELETE /api/workspaces/:workspace_id/users/:user_id',
    path: '/api/workspaces/{team}/users/{missing}',
    caller: 'annotatorOutsider',
    status: 403,
  },
  {
    route: 'DELETE /api/workspaces/:workspace_id/users/:user_id',
    path: '/api/workspaces/{team}/users/{missing}',
    caller: 'admin',
    status: 404,
    answer: notFound(MISSING_ID, 'User'),
  },
  {
    route: 'DELETE /api/workspaces/:workspace_id/users/:user_id',
    path: '/api/workspaces/{team}/users/not-a-uuid',
    caller: 'anonymous',
    status: 401,
  },

  {
    route: 'GET /api/v1/workspaces/:workspace_id',
    path: '/api/v1/workspaces/{team}',
    caller: 'anonymous',
    status: 401,
  },
  {
    route: 'GET /api/v1/workspaces/:workspace_id',
    path: '/api/v1/workspaces/{team}',
    caller: 'annotatorOutsider',
    status: 403,
  },
  {
    route: 'GET /api/v1/workspaces/:workspace_id',
    path: '/api/v1/workspaces/{team}',
    caller: 'annotatorMember',
    status: 200,
  },
  { route: 'GET /api/v1/workspaces/:workspace_id', path: '/api/v1/workspaces/{team}', caller: 'admin', status: 200 },
  {
    route: 'GET /api/v1/workspaces/:workspace_id',
    path: '/api/v1/workspaces/{missing}',
    caller: 'anonymous',
    status: 401,
  },
  {
    route: 'GET /api/v1/workspaces/:workspace_id',
    path: '/api/v1/workspaces/{missing}',
    caller: 'annotatorOutsider',
    status: 403,
  },
  {
    route: 'GET /api/v1/workspaces/:workspace_id',
    path: '/api/v1/workspaces/{missing}',
    caller: 'annotatorMember',
    status: 403,
  },
  {
    route: 'GET /api/v1/workspaces/:workspace_id',
    path: '/api/v1/workspaces/{missing}',
    caller: 'admin',
    status: 404,
    answer: { detail: `Workspace with id \`${MISSING_ID}\` not found` },
  },
  {
    route: 'GET /api/v1/workspaces/:workspace_id',
    path: '/api/v1/workspaces/not-a-uuid',
    caller: 'anonymous',
    status: 401,
  },
  {
    route: 'GET /api/v1/workspaces/:workspace_id',
    path: '/api/v1/workspaces/not-a-uuid',
    caller: 'annotatorOutsider',
    status: 422,
    answer: BAD_WORKSPACE_ID,
  },
  // Beyond Argilla 1.8: the v1 user management routes.
  { route: 'GET /api/v1/me', path: '/api/v1/me', caller: 'anonymous', status: 401 },
  { route: 'GET /api/v1/me', path: '/api/v1/me', caller: 'annotatorOutsider', status: 200 },
  { route: 'GET /api/v1/me', path: '/api/v1/me', caller: 'annotatorMember', status: 200 },
  { route: 'GET /api/v1/me', path: '/api/v1/me', caller: 'admin', status: 200 },
  { route: 'GET /api/v1/me/workspaces', path: '/api/v1/me/workspaces', caller: 'anonymous', status: 401 },
  { route: 'GET /api/v1/me/workspaces', path: '/api/v1/me/workspaces', caller: 'annotatorOutsider', status: 200 },
  { route: 'GET /api/v1/me/workspaces', path: '/api/v1/me/workspaces', caller: 'annotatorMember', status: 200 },
  { route: 'GET /api/v1/me/workspaces', path: '/api/v1/me/workspaces', caller: 'admin', status: 200 },
  { route: 'POST /api/v1/me/api-key', path: '/api/v1/me/api-key', caller: 'anonymous', status: 401 },
  { route: 'POST /api/v1/me/api-key', path: '/api/v1/me/api-key', caller: 'annotatorOutsider', status: 200 },
  { route: 'POST /api/v1/me/api-key', path: '/api/v1/me/api-key', caller: 'annotatorMember', status: 200 },
  { route: 'POST /api/v1/me/api-key', path: '/api/v1/me/api-key', caller: 'admin', status: 200 },
  { route: 'GET /api/v1/users/:user_id', path: '/api/v1/users/{user}', caller: 'anonymous', status: 401 },
  { route: 'GET /api/v1/users/:user_id', path: '/api/v1/users/{user}', caller: 'annotatorOutsider', status: 403 },
  { route: 'GET /api/v1/users/:user_id', path: '/api/v1/users/{user}', caller: 'annotatorMember', status: 403 },
  { route: 'GET /api/v1/users/:user_id', path: '/api/v1/users/{user}', caller: 'admin', status: 200 },
  { route: 'GET /api/v1/users/:user_id', path: '/api/v1/users/{missing}', caller: 'anonymous', status: 401 },
  { route: 'GET /api/v1/users/:user_id', path: '/api/v1/users/{missing}', caller: 'annotatorMember', status: 403 },
  {
    route: 'GET /api/v1/users/:user_id',
    path: '/api/v1/users/{missing}',
    caller: 'admin',
    status: 404,
    answer: notFound(MISSING_ID, 'User'),
  },
  {
    route: 'GET /api/v1/users/:user_id/workspaces',
    path: '/api/v1/users/{user}/workspaces',
    caller: 'anonymous',
    status: 401,
  },
  {
    route: 'GET /api/v1/users/:user_id/workspaces',
    path: '/api/v1/users/{user}/workspaces',
    caller: 'annotatorOutsider',
    status: 403,
  },
  {
    route: 'GET /api/v1/users/:user_id/workspaces',
    path: '/api/v1/users/{user}/workspaces',
    caller: 'annotatorMember',
    status: 403,
  },
  {
    route: 'GET /api/v1/users/:user_id/workspaces',
    path: '/api/v1/users/{user}/workspaces',
    caller: 'admin',
    status: 200,
  },
  {
    route: 'GET /api/v1/users/:user_id/workspaces',
    path: '/api/v1/users/{missing}/workspaces',
    caller: 'anonymous',
    status: 401,
  },
  {
    route: 'GET /api/v1/users/:user_id/workspaces',
    path: '/api/v1/users/{missing}/workspaces',
    caller: 'annotatorMember',
    status: 403,
  },
  {
    route: 'GET /api/v1/users/:user_id/workspaces',
    path: '/api/v1/users/{missing}/workspaces',
    caller: 'admin',
    status: 404,
    answer: notFound(MISSING_ID, 'User'),
  },
  {
    route: 'POST /api/v1/users/:user_id/api-key',
    path: '/api/v1/users/{user}/api-key',
    caller: 'anonymous',
    status: 401,
  },
  {
    route: 'POST /api/v1/users/:user_id/api-key',
    path: '/api/v1/users/{user}/api-key',
    caller: 'annotatorOutsider',
    status: 403,
  },
  {
    route: 'POST /api/v1/users/:user_id/api-key',
    path: '/api/v1/users/{user}/api-key',
    caller: 'annotatorMember',
    status: 403,
  },
  { route: 'POST /api/v1/users/:user_id/api-key', path: '/api/v1/users/{user}/api-key', caller: 'admin', status: 200 },
  {
    route: 'POST /api/v1/users/:user_id/api-key',
    path: '/api/v1/users/{missing}/api-key',
    caller: 'anonymous',
    status: 401,
  },
  {
    route: 'POST /api/v1/users/:user_id/api-key',
    path: '/api/v1/users/{missing}/api-key',
    caller: 'annotatorMember',
    status: 403,
  },
  {
    route: 'POST /api/v1/users/:user_id/api-key',
    path: '/api/v1/users/{missing}/api-key',
    caller: 'admin',
    status: 404,
    answer: notFound(MISSING_ID, 'User'),
  },
  {
    route: 'DELETE /api/v1/workspaces/:workspace_id',
    path: '/api/v1/workspaces/{workspace}',
    caller: 'anonymous',
    status: 401,
  },
  {
    route: 'DELETE /api/v1/workspaces/:workspace_id',
    path: '/api/v1/workspaces/{workspace}',
    caller: 'annotatorOutsider',
    status: 403,
  },
  {
    route: 'DELETE /api/v1/workspaces/:workspace_id',
    path: '/api/v1/workspaces/{workspace}',
    caller: 'annotatorMember',
    status: 403,
  },
  {
    route: 'DELETE /api/v1/workspaces/:workspace_id',
    path: '/api/v1/workspaces/{workspace}',
    caller: 'admin',
    status: 200,
  },
  {
    route: 'DELETE /api/v1/workspaces/:workspace_id',
    path: '/api/v1/workspaces/{missing}',
    caller: 'anonymous',
    status: 401,
  },
  {
    route: 'DELETE /api/v1/workspaces/:workspace_id',
    path: '/api/v1/workspaces/{missing}',
    caller: 'annotatorMember',
    status: 403,
  },
  {
    route: 'DELETE /api/v1/workspaces/:workspace_id',
    path: '/api/v1/workspaces/{missing}',
    caller: 'admin',
    status: 404,
    answer: notFound(MISSING_ID, 'Workspace'),
  },
  {
    route: 'GET /api/v1/workspaces/:workspace_id/users',
    path: '/api/v1/workspaces/{team}/users',
    caller: 'anonymous',
    status: 401,
  },
  {
    route: 'GET /api/v1/workspaces/:workspace_id/users',
    path: '/api/v1/workspaces/{team}/users',
    caller: 'annotatorOutsider',
    status: 403,
  },
  {
    route: 'GET /api/v1/workspaces/:workspace_id/users',
    path: '/api/v1/workspaces/{team}/users',
    caller: 'annotatorMember',
    status: 403,
  },
  {
    route: 'GET /api/v1/workspaces/:workspace_id/users',
    path: '/api/v1/workspaces/{team}/users',
    caller: 'admin',
    status: 200,
  },
  {
    route: 'GET /api/v1/workspaces/:workspace_id/users',
    path: '/api/v1/workspaces/{missing}/users',
    caller: 'anonymous',
    status: 401,
  },
  {
    route: 'GET /api/v1/workspaces/:workspace_id/users',
    path: '/api/v1/workspaces/{missing}/users',
    caller: 'annotatorMember',
    status: 403,
  },
  {
    route: 'GET /api/v1/workspaces/:workspace_id/users',
    path: '/api/v1/workspaces/{missing}/users',
    caller: 'admin',
    status: 404,
    answer: notFound(MISSING_ID, 'Workspace'),
  },
  {
    route: 'PATCH /api/v1/users/:user_id',
    path: '/api/v1/users/{user}',
    caller: 'anonymous',
    body: 'rename',
    status: 401,
  },
  {
    route: 'PATCH /api/v1/users/:user_id',
    path: '/api/v1/users/{user}',
    caller: 'annotatorOutsider',
    body: 'rename',
    status: 403,
  },
  {
    route: 'PATCH /api/v1/users/:user_id',
    path: '/api/v1/users/{user}',
    caller: 'annotatorMember',
    body: 'rename',
    status: 403,
  },
  { route: 'PATCH /api/v1/users/:user_id', path: '/api/v1/users/{user}', caller: 'admin', body: 'rename', status: 200 },
  {
    route: 'PATCH /api/v1/users/:user_id',
    path: '/api/v1/users/{missing}',
    caller: 'anonymous',
    body: 'rename',
    status: 401,
  },
  {
    route: 'PATCH /api/v1/users/:user_id',
    path: '/api/v1/users/{missing}',
    caller: 'annotatorMember',
    body: 'rename',
    status: 403,
  },
  {
    route: 'PATCH /api/v1/users/:user_id',
    path: '/api/v1/users/{missing}',
    caller: 'admin',
    body: 'rename',
    status: 404,
    answer: notFound(MISSING_ID, 'User'),
  },
  {
    route: 'PUT /api/v1/me/password',
    path: '/api/v1/me/password',
    caller: 'anonymous',
    body: 'changePassword',
    status: 401,
  },
  {
    route: 'PUT /api/v1/me/password',
    path: '/api/v1/me/password',
    caller: 'annotatorOutsider',
    body: 'changePassword',
    status: 200,
  },
  {
    route: 'PUT /api/v1/me/password',
    path: '/api/v1/me/password',
    caller: 'annotatorMember',
    body: 'changePassword',
    status: 200,
  },
  {
    route: 'PUT /api/v1/me/password',
    path: '/api/v1/me/password',
    caller: 'admin',
    body: 'changePassword',
    status: 200,
  },
  {
    route: 'PUT /api/v1/users/:user_id/password',
    path: '/api/v1/users/{user}/password',
    caller: 'anonymous',
    body: 'resetPassword',
    status: 401,
  },
  {
    route: 'PUT /api/v1/users/:user_id/password',
    path: '/api/v1/users/{user}/password',
    caller: 'annotatorOutsider',
    body: 'resetPassword',
    status: 403,
  },
  {
    route: 'PUT /api/v1/users/:user_id/password',
    path: '/api/v1/users/{user}/password',
    caller: 'annotatorMember',
    body: 'resetPassword',
    status: 403,
  },
  {
    route: 'PUT /api/v1/users/:user_id/password',
    path: '/api/v1/users/{user}/password',
    caller: 'admin',
    body: 'resetPassword',
    status: 200,
  },
  {
    route: 'PUT /api/v1/users/:user_id/password',
    path: '/api/v1/users/{missing}/password',
    caller: 'admin',
    body: 'resetPassword',
    status: 404,
    answer: notFound(MISSING_ID, 'User'),
  },
  { route: 'DELETE /api/v1/users/:user_id', path: '/api/v1/users/{user}', caller: 'anonymous', status: 401 },
  { route: 'DELETE /api/v1/users/:user_id', path: '/api/v1/users/{user}', caller: 'annotatorOutsider', status: 403 },
  { route: 'DELETE /api/v1/users/:user_id', path: '/api/v1/users/{user}', caller: 'annotatorMember', status: 403 },
  { route: 'DELETE /api/v1/users/:user_id', path: '/api/v1/users/{user}', caller: 'admin', status: 200 },
  { route: 'DELETE /api/v1/users/:user_id', path: '/api/v1/users/{missing}', caller: 'annotatorMember', status: 403 },
  {
    route: 'DELETE /api/v1/users/:user_id',
    path: '/api/v1/users/{missing}',
    caller: 'admin',
    status: 404,
    answer: notFound(MISSING_ID, 'User'),
  },
  {
    route: 'DELETE /api/v1/users/:user_id',
    path: '/api/v1/users/not-a-uuid',
    caller: 'admin',
    status: 422,
    answer: BAD_USER_ID,
  },
  { route: 'GET /api/v1/users', path: '/api/v1/users', caller: 'anonymous', status: 401 },
  { route: 'GET /api/v1/users', path: '/api/v1/users', caller: 'annotatorOutsider', status: 403 },
  { route: 'GET /api/v1/users', path: '/api/v1/users', caller: 'annotatorMember', status: 403 },
  { route: 'GET /api/v1/users', path: '/api/v1/users', caller: 'admin', status: 200 },
];

/** An owner (Argilla 1.11's superuser role) has exactly an admin's rights: every admin row again, as the owner. */
const TABLE: Row[] = [
  ...ADMIN_TABLE,
  ...ADMIN_TABLE.filter((row) => row.caller === 'admin').map((row): Row => ({ ...row, caller: 'owner' })),
];

/** The routes whose success changes the users, workspaces or memberships. */
const STATE_CHANGING = new Set([
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
]);

/** Whether the route's pattern matches a concrete path (`:name` is one non-empty segment). */
function matchesPattern(route: string, path: string): boolean {
  const pattern = route.split(' ')[1];
  return new RegExp(`^${pattern.replace(/:[a-z_]+/g, '[^/]+')}$`).test(path);
}

const rowTitle = (row: Row): string => {
  const [method] = row.route.split(' ');
  return `${method} ${row.path}${row.body ? ` (${row.body} body)` : ''} as ${row.caller} → ${row.status}`;
};

describe.each(engines())('authorization matrix (%s)', (engine) => {
  let suite: ApiSuite;
  let app: NestExpressApplication;
  let dataSource: DataSource;
  let team: Workspace;

  beforeAll(async () => {
    // With a metrics token, so that /metrics exists and its refusals are checked too.
    suite = await openApiSuite(engine, { ARGILLA_METRICS_TOKEN: 'authorization-matrix-metrics-token-0123456789' });
    ({ app, dataSource } = suite);
    await seedUser(app, { username: 'admin', role: 'admin' });
    await seedUser(app, { username: 'owner', role: 'owner' });
    await seedUser(app, { username: 'member', workspaces: ['team'] });
    await seedUser(app, { username: 'outsider' });
    team = await dataSource.getRepository(Workspace).findOneByOrFail({ name: 'team' });
  });

  afterAll(async () => {
    await suite?.close();
  });

  it('covers every registered route, for every caller, and only registered routes', () => {
    const registered = registeredRoutes(app);
    const tabled = new Set(TABLE.map((row) => row.route));
    const missingCallers = [...tabled].flatMap((route) =>
      CALLERS.filter((caller) => !TABLE.some((row) => row.route === route && row.caller === caller)).map(
        (caller) => `${route} as ${caller}`,
      ),
    );
    expect({
      registeredButNotInTable: registered.filter((route) => !tabled.has(route)),
      inTableButNotRegistered: [...tabled].filter((route) => !registered.includes(route)),
      routesMissingACaller: missingCallers,
    }).toEqual({ registeredButNotInTable: [], inTableButNotRegistered: [], routesMissingACaller: [] });
  });

  it('gives each row a path its route matches, and an exact answer for statuses other than 200, 401 and 403', () => {
    const mismatched = TABLE.filter((row) => {
      const concrete = row.path.replace(/\{[a-z]+\}/g, MISSING_ID);
      return !matchesPattern(row.route, concrete);
    }).map(rowTitle);
    const unanswered = TABLE.filter((row) => ![200, 401, 403].includes(row.status) && row.answer === undefined);
    expect({ mismatched, unanswered: unanswered.map(rowTitle) }).toEqual({ mismatched: [], unanswered: [] });
  });

  it.each(TABLE.map((row, index) => [rowTitle(row), row, index] as const))('%s', async (_title, row, index) => {
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
    const path = row.path.replace(/\{([a-z]+)\}/g, (_match, name: string) => ids[name]);
    const [method] = row.route.split(' ');

    const before = await snapshot(dataSource);
    let request = api(app)
      [method.toLowerCase() as 'get' | 'post' | 'patch' | 'delete'](path)
      .set(CREDENTIALS[row.caller]);
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
    }
    const response = await request;

    expect(response.status).toBe(row.status);
    if (row.status === 401) {
      expect(response.body).toEqual(UNAUTHORIZED);
      expect(response.headers['www-authenticate']).toBe('Bearer');
    } else if (row.status === 403) {
      expect(response.body).toEqual(FORBIDDEN);
    } else if (row.answer !== undefined) {
      expect(response.body).toEqual(row.answer);
    }

    const after = await snapshot(dataSource);
    if (row.status === 200 && STATE_CHANGING.has(row.route)) expect(after).not.toEqual(before);
    else expect(after).toEqual(before);
    // A caller that replaced its own key or password gets them back, for the rows after this one.
    if (['POST /api/v1/me/api-key', 'PUT /api/v1/me/password'].includes(row.route) && row.status === 200) {
      const username = USERNAMES[row.caller as Exclude<Caller, 'anonymous'>];
      const passwordHash = await app.get(PasswordHasher).hash('password-1234');
      await dataSource
        .getRepository(User)
        .update({ username }, { apiKey: `${username}.apikey`, passwordHash, tokensValidAfter: null });
    }
  });
});
