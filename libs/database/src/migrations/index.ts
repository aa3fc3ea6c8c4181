import { CreateUsersTable } from './74694870197c-create-users-table';
import { CreateWorkspacesTable } from './82a5a88a3fa5-create-workspaces-table';
import { CreateWorkspacesUsersTable } from './1769ee58fbb4-create-workspaces-users-table';
import { CreateDatasetsTable } from './b9099dc08489-create-datasets-table';
import { CreateQuestionsTable } from './3a8e2f9b5dea-create-questions-table';
import { CreateRecordsTable } from './8be56284dac0-create-records-table';
import { CreateResponsesTable } from './e402e9d9245e-create-responses-table';
import { CreateFieldsTable } from './ae5522b4c674-create-fields-table';
import { CreateLoginAttemptsTable } from './f543ed19759f-create-login-attempts-table';
import { AddUsersDisabledAndTokensValidAfter } from './d5fda6c60caa-add-users-disabled-and-tokens-valid-after';
import { CreateDataVersion } from './8ef49c590498-create-data-version';
import { CreateOAuthTables } from './654435fa1803-create-oauth-tables';
import { CreatePersonalAccessTokensTable } from './c2a47e91b0d3-create-personal-access-tokens-table';
import { CreateUserSessionsTable } from './4e8b1d6f2a97-create-user-sessions-table';
import { CreateAuditEventsTable } from './9c3e5a7b1d24-create-audit-events-table';
import { Revision } from './revision';

export type { Revision, DowngradeContext } from './revision';

/** Argilla 1.8.0's own chain, exactly: the three user tables (Argilla 1.7), then the feedback-dataset tables. */
export const ARGILLA_REVISIONS: readonly Revision[] = [
  new CreateUsersTable(),
  new CreateWorkspacesTable(),
  new CreateWorkspacesUsersTable(),
  new CreateDatasetsTable(),
  new CreateQuestionsTable(),
  new CreateRecordsTable(),
  new CreateResponsesTable(),
  new CreateFieldsTable(),
];

/** The schema history, oldest first. A new schema change appends one revision whose parent is the last id. */
export const REVISIONS: readonly Revision[] = [
  ...ARGILLA_REVISIONS,
  new CreateLoginAttemptsTable(),
  new AddUsersDisabledAndTokensValidAfter(),
  new CreateDataVersion(),
  new CreateOAuthTables(),
  new CreatePersonalAccessTokensTable(),
  new CreateUserSessionsTable(),
  new CreateAuditEventsTable(),
];

/**
 * Release tags: each names the revision a release ships with. `1.7` and `1.8` are Argilla's (as its guide prints
 * them); `users-N` are this project's schema releases on top of Argilla 1.8.
 */
export const TAGS: Readonly<Record<string, string>> = {
  '1.7': '1769ee58fbb4',
  '1.8': 'ae5522b4c674',
  'users-1': 'f543ed19759f',
  'users-2': 'd5fda6c60caa',
  'users-3': '8ef49c590498',
  'users-4': '654435fa1803',
  'users-5': 'c2a47e91b0d3',
  'users-6': '4e8b1d6f2a97',
  'users-7': '9c3e5a7b1d24',
};

/**
 * The revisions of argilla-users 1.8.0, which followed `1769ee58fbb4` directly (without Argilla's dataset tables),
 * and the revision of today's chain each one becomes once the database is adopted.
 */
export const EARLIER_REVISIONS: Readonly<Record<string, string>> = {
  '5e1f0c7a9b2d': 'f543ed19759f',
  a3c9d1e7f402: 'd5fda6c60caa',
  c7e4b2a9f105: '8ef49c590498',
};
