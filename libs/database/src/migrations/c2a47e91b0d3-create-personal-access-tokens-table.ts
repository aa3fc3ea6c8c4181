import { QueryRunner, Table } from 'typeorm';
import { columnTypes, listNames, Revision } from './revision';

/**
 * Personal access tokens: named, scoped, expiring credentials of a user, stored as the SHA-256 of their secret. A
 * table of this project's own: Argilla's tables are not changed, and a downgrade drops it.
 */
export class CreatePersonalAccessTokensTable implements Revision {
  readonly id = 'c2a47e91b0d3';
  readonly parent = '654435fa1803';
  readonly description = 'create personal_access_tokens table';

  async up(queryRunner: QueryRunner): Promise<void> {
    const types = columnTypes(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'personal_access_tokens',
        columns: [
          { name: 'id', type: types.uuid, isPrimary: true, primaryKeyConstraintName: 'personal_access_tokens_pkey' },
          { name: 'user_id', type: types.uuid },
          { name: 'name', type: 'varchar' },
          { name: 'scope', type: 'varchar' },
          { name: 'prefix', type: 'varchar' },
          { name: 'token_hash', type: 'varchar' },
          { name: 'created_at', type: types.timestamp },
          { name: 'expires_at', type: types.timestamp, isNullable: true },
          { name: 'last_used_at', type: types.timestamp, isNullable: true },
        ],
        uniques: [{ name: 'personal_access_token_user_id_name_uq', columnNames: ['user_id', 'name'] }],
        indices: [
          { name: 'ix_personal_access_tokens_user_id', columnNames: ['user_id'] },
          { name: 'ix_personal_access_tokens_token_hash', columnNames: ['token_hash'], isUnique: true },
        ],
        foreignKeys: [
          {
            name: 'personal_access_tokens_user_id_fkey',
            columnNames: ['user_id'],
            referencedTableName: 'users',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('personal_access_tokens');
  }

  /**
   * Dropping the table ends every token: scripts using them would be refused. Refused unless forced while any
   * unexpired token exists.
   */
  async lossesOnDowngrade(queryRunner: QueryRunner): Promise<string[]> {
    const rows: { username: string }[] = await queryRunner.query(
      'SELECT DISTINCT users.username AS username FROM personal_access_tokens ' +
        'INNER JOIN users ON users.id = personal_access_tokens.user_id ORDER BY users.username',
    );
    if (rows.length === 0) return [];
    return [
      `the personal access tokens of ${listNames(rows.map((row) => row.username))}, which would be refused from ` +
        'then on (their API keys and passwords stay)',
    ];
  }
}
