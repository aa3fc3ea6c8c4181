import { ArgillaTypes, CreateArgillaTable } from './revision';

export class CreateWorkspacesUsersTable extends CreateArgillaTable {
  readonly id = '1769ee58fbb4';
  readonly parent = '82a5a88a3fa5';
  readonly table = 'workspaces_users';
  protected readonly indexes = [
    'CREATE INDEX ix_workspaces_users_workspace_id ON workspaces_users (workspace_id)',
    'CREATE INDEX ix_workspaces_users_user_id ON workspaces_users (user_id)',
  ];

  protected definition(types: ArgillaTypes): string[] {
    return [
      `id ${types.uuid} NOT NULL`,
      `workspace_id ${types.uuid} NOT NULL`,
      `user_id ${types.uuid} NOT NULL`,
      `inserted_at ${types.timestamp} NOT NULL`,
      `updated_at ${types.timestamp} NOT NULL`,
      'PRIMARY KEY (id)',
      'CONSTRAINT workspace_id_user_id_uq UNIQUE (workspace_id, user_id)',
      'FOREIGN KEY(workspace_id) REFERENCES workspaces (id) ON DELETE CASCADE',
      'FOREIGN KEY(user_id) REFERENCES users (id) ON DELETE CASCADE',
    ];
  }
}
