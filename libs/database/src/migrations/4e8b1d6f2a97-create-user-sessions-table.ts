import { QueryRunner, Table } from 'typeorm';
import { columnTypes, Revision } from './revision';

/**
 * Sessions: one row per sign-in, named by the `sid` claim of its bearer JWT, so that a JWT can be ended before it
 * expires (logout). A table of this project's own: Argilla's tables are not changed, and a downgrade drops it.
 */
export class CreateUserSessionsTable implements Revision {
  readonly id = '4e8b1d6f2a97';
  readonly parent = 'c2a47e91b0d3';
  readonly description = 'create user_sessions table';

  async up(queryRunner: QueryRunner): Promise<void> {
    const types = columnTypes(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'user_sessions',
        columns: [
          { name: 'id', type: types.uuid, isPrimary: true, primaryKeyConstraintName: 'user_sessions_pkey' },
          { name: 'user_id', type: types.uuid },
          { name: 'created_at', type: types.timestamp },
          { name: 'last_seen_at', type: types.timestamp },
          { name: 'expires_at', type: types.timestamp },
          { name: 'client', type: 'varchar', isNullable: true },
          { name: 'user_agent', type: 'varchar', isNullable: true },
          { name: 'provider', type: 'varchar', isNullable: true },
        ],
        indices: [{ name: 'ix_user_sessions_user_id', columnNames: ['user_id'] }],
        foreignKeys: [
          {
            name: 'user_sessions_user_id_fkey',
            columnNames: ['user_id'],
            referencedTableName: 'users',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
      }),
    );
  }

  /**
   * Nothing is lost that the earlier schema can use: a JWT issued with a session is checked as every JWT was before
   * (signature, expiry, the user's token version), so a logout no longer ends one before it expires.
   */
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('user_sessions');
  }
}
