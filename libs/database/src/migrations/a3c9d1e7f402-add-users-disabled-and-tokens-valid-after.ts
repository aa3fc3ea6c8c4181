import { QueryRunner } from 'typeorm';
import { columnTypes, Revision } from './revision';

/**
 * Plain `ALTER TABLE` on both engines: TypeORM's SQLite column changes rebuild the table, and dropping `users`
 * to rebuild it would cascade to every membership.
 */
export class AddUsersDisabledAndTokensValidAfter implements Revision {
  readonly id = 'a3c9d1e7f402';
  readonly parent = '5e1f0c7a9b2d';
  readonly description = 'add disabled and tokens_valid_after to users';

  async up(queryRunner: QueryRunner): Promise<void> {
    const types = columnTypes(queryRunner);
    const postgres = queryRunner.connection.options.type === 'postgres';
    await queryRunner.query(
      `ALTER TABLE users ADD COLUMN disabled boolean NOT NULL DEFAULT ${postgres ? 'false' : '0'}`,
    );
    await queryRunner.query(`ALTER TABLE users ADD COLUMN tokens_valid_after ${types.timestamp} NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE users DROP COLUMN tokens_valid_after');
    await queryRunner.query('ALTER TABLE users DROP COLUMN disabled');
  }
}
