import { QueryRunner } from 'typeorm';
import { toStoredTimestamp } from '@argilla/common';
import { columnTypes, DowngradeContext, isPostgres, listNames, Revision } from './revision';

/**
 * Plain `ALTER TABLE` on both engines: TypeORM's SQLite column changes rebuild the table, and dropping `users`
 * to rebuild it would cascade to every membership.
 */
export class AddUsersDisabledAndTokensValidAfter implements Revision {
  readonly id = 'd5fda6c60caa';
  readonly parent = 'f543ed19759f';
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

  async lossesOnDowngrade(queryRunner: QueryRunner, context: DowngradeContext): Promise<string[]> {
    const losses: string[] = [];
    const disabled: { username: string }[] = await queryRunner.query(
      'SELECT username FROM users WHERE disabled ORDER BY inserted_at, username',
    );
    if (disabled.length > 0) {
      losses.push(
        `the disabled state of ${listNames(disabled.map((row) => row.username))}, who would be enabled again`,
      );
    }
    // Tokens issued before a password change or a disabling stay refused only while this column says so; older
    // ones have expired. Users still disabled are named above already (enabled again, their tokens with them).
    const horizon = toStoredTimestamp(new Date(Date.now() - context.tokenLifetimeSeconds * 1000));
    const changed: { username: string }[] = await queryRunner.query(
      `SELECT username FROM users WHERE tokens_valid_after > ${isPostgres(queryRunner) ? '$1' : '?'} ` +
        'AND NOT disabled ORDER BY inserted_at, username',
      [horizon],
    );
    if (changed.length > 0) {
      losses.push(
        'the end of the tokens issued before the latest password change or disabling of ' +
          `${listNames(changed.map((row) => row.username))}, which would be valid again until they expire`,
      );
    }
    return losses;
  }
}
