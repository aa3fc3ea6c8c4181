import { CreateUsersTable } from './74694870197c-create-users-table';
import { CreateWorkspacesTable } from './82a5a88a3fa5-create-workspaces-table';
import { CreateWorkspacesUsersTable } from './1769ee58fbb4-create-workspaces-users-table';
import { CreateLoginAttemptsTable } from './5e1f0c7a9b2d-create-login-attempts-table';
import { AddUsersDisabledAndTokensValidAfter } from './a3c9d1e7f402-add-users-disabled-and-tokens-valid-after';
import { CreateDataVersion } from './c7e4b2a9f105-create-data-version';
import { Revision } from './revision';

export type { Revision } from './revision';

/** The schema history, oldest first. A new schema change appends one revision whose parent is the last id. */
export const REVISIONS: readonly Revision[] = [
  new CreateUsersTable(),
  new CreateWorkspacesTable(),
  new CreateWorkspacesUsersTable(),
  new CreateLoginAttemptsTable(),
  new AddUsersDisabledAndTokensValidAfter(),
  new CreateDataVersion(),
];

/**
 * Release tags: each names the revision a release ships with. `1.7` is Argilla's (the schema Argilla 1.7 and 1.8
 * use for users); `users-N` are this project's schema releases on top of it.
 */
export const TAGS: Readonly<Record<string, string>> = {
  '1.7': '1769ee58fbb4',
  'users-1': '5e1f0c7a9b2d',
  'users-2': 'a3c9d1e7f402',
  'users-3': 'c7e4b2a9f105',
};
