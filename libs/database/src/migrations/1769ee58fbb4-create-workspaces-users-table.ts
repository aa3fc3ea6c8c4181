import { QueryRunner, Table } from 'typeorm';
import { columnTypes, Revision } from './revision';

export class CreateWorkspacesUsersTable implements Revision {
  readonly id = '1769ee58fbb4';
  readonly parent = '82a5a88a3fa5';
  readonly description = 'create workspaces_users table';

  async up(queryRunner: QueryRunner): Promise<void> {
    const types = columnTypes(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'workspaces_users',
        columns: [
          { name: 'id', type: types.uuid, isPrimary: true, primaryKeyConstraintName: 'workspaces_users_pkey' },
          { name: 'workspace_id', type: types.uuid },
          { name: 'user_id', type: types.uuid },
          { name: 'inserted_at', type: types.timestamp },
          { name: 'updated_at', type: types.timestamp },
        ],
        foreignKeys: [
          {
            name: 'workspaces_users_workspace_id_fkey',
            columnNames: ['workspace_id'],
            referencedTableName: 'workspaces',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
          {
            name: 'workspaces_users_user_id_fkey',
            columnNames: ['user_id'],
            referencedTableName: 'users',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
        uniques: [{ name: 'workspace_id_user_id_uq', columnNames: ['workspace_id', 'user_id'] }],
        indices: [
          { name: 'ix_workspaces_users_workspace_id', columnNames: ['workspace_id'] },
          { name: 'ix_workspaces_users_user_id', columnNames: ['user_id'] },
        ],
      }),
      false,
      true,
      true,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('workspaces_users');
  }
}
