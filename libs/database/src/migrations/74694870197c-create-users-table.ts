import { ArgillaTypes, CreateArgillaTable } from './revision';

export class CreateUsersTable extends CreateArgillaTable {
  readonly id = '74694870197c';
  readonly parent = null;
  readonly table = 'users';
  protected readonly indexes = [
    'CREATE INDEX ix_users_role ON users (role)',
    'CREATE UNIQUE INDEX ix_users_username ON users (username)',
    'CREATE UNIQUE INDEX ix_users_api_key ON users (api_key)',
  ];

  protected definition(types: ArgillaTypes): string[] {
    return [
      `id ${types.uuid} NOT NULL`,
      'first_name VARCHAR NOT NULL',
      'last_name VARCHAR',
      'username VARCHAR NOT NULL',
      'role VARCHAR NOT NULL',
      'api_key TEXT NOT NULL',
      'password_hash TEXT NOT NULL',
      `inserted_at ${types.timestamp} NOT NULL`,
      `updated_at ${types.timestamp} NOT NULL`,
      'PRIMARY KEY (id)',
    ];
  }
}
