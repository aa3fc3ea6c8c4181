import { QueryRunner, Table } from 'typeorm';
import { columnTypes, Revision } from './revision';

export class CreateUsersTable implements Revision {
  readonly id = '74694870197c';
  readonly parent = null;
  readonly description = 'create users table';

  async up(queryRunner: QueryRunner): Promise<void> {
    const types = columnTypes(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'users',
        columns: [
          { name: 'id', type: types.uuid, isPrimary: true, primaryKeyConstraintName: 'users_pkey' },
          { name: 'first_name', type: 'varchar' },
          { name: 'last_name', type: 'varchar', isNullable: true },
          { name: 'username', type: 'varchar' },
          { name: 'role', type: 'varchar' },
          { name: 'api_key', type: 'text' },
          { name: 'password_hash', type: 'text' },
          { name: 'inserted_at', type: types.timestamp },
          { name: 'updated_at', type: types.timestamp },
        ],
        indices: [
          { name: 'ix_users_username', columnNames: ['username'], isUnique: true },
          { name: 'ix_users_api_key', columnNames: ['api_key'], isUnique: true },
          { name: 'ix_users_role', columnNames: ['role'] },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('users');
  }
}
