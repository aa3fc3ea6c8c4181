import { ArgillaTypes, CreateArgillaTable } from './revision';

export class CreateWorkspacesTable extends CreateArgillaTable {
  readonly id = '82a5a88a3fa5';
  readonly parent = '74694870197c';
  readonly table = 'workspaces';
  protected readonly indexes = ['CREATE UNIQUE INDEX ix_workspaces_name ON workspaces (name)'];

  protected definition(types: ArgillaTypes): string[] {
    return [
      `id ${types.uuid} NOT NULL`,
      'name VARCHAR NOT NULL',
      `inserted_at ${types.timestamp} NOT NULL`,
      `updated_at ${types.timestamp} NOT NULL`,
      'PRIMARY KEY (id)',
    ];
  }
}
