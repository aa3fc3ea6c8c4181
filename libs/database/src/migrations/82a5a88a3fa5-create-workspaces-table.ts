import { QueryRunner, Table } from 'typeorm';
import { columnTypes, Revision } from './revision';

export class CreateWorkspacesTable implements Revision {
  readonly id = '82a5a88a3fa5';
  readonly parent = '74694870197c';
  readonly description = 'create workspaces table';

  async up(queryRunner: QueryRunner): Promise<void> {
    const types = columnTypes(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'workspaces',
        columns: [
          { name: 'id', type: types.uuid, isPrimary: true, primaryKeyConstraintName: 'workspaces_pkey' },
          { name: 'name', type: 'varchar' },
          { name: 'inserted_at', type: types.timestamp },
          { name: 'updated_at', type: types.timestamp },
        ],
        indices: [{ name: 'ix_workspaces_name', columnNames: ['name'], isUnique: true }],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('workspaces');
  }
}
