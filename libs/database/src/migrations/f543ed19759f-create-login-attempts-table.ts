import { QueryRunner, Table } from 'typeorm';
import { columnTypes, listNames, Revision } from './revision';

/** Password hashes Argilla 1.8 verifies: bcrypt, in any of its prefixes. */
const BCRYPT = /^\$2[aby]\$/;

/**
 * This project's first revision: below it, the database is Argilla 1.8's, where only bcrypt hashes verify and a
 * user's role is `admin` or `annotator` (Argilla 1.8 cannot load a user whose role it does not know).
 */
export class CreateLoginAttemptsTable implements Revision {
  readonly id = 'f543ed19759f';
  readonly parent = 'ae5522b4c674';
  readonly description = 'create login_attempts table';

  async up(queryRunner: QueryRunner): Promise<void> {
    const types = columnTypes(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'login_attempts',
        columns: [
          { name: 'key', type: 'varchar', isPrimary: true, primaryKeyConstraintName: 'login_attempts_pkey' },
          { name: 'failures', type: 'integer' },
          { name: 'window_started_at', type: types.timestamp },
          { name: 'locked_until', type: types.timestamp, isNullable: true },
          { name: 'updated_at', type: types.timestamp },
        ],
        indices: [{ name: 'ix_login_attempts_updated_at', columnNames: ['updated_at'] }],
      }),
    );
  }

  /**
   * Owners become admins, the role with the same rights in Argilla 1.8. Reached with owners only when forced:
   * otherwise `lossesOnDowngrade` names them and the downgrade is refused.
   */
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("UPDATE users SET role = 'admin' WHERE role = 'owner'");
    await queryRunner.dropTable('login_attempts');
  }

  async lossesOnDowngrade(queryRunner: QueryRunner): Promise<string[]> {
    const users: { username: string; role: string; password_hash: string }[] = await queryRunner.query(
      'SELECT username, role, password_hash FROM users ORDER BY inserted_at, username',
    );
    const losses: string[] = [];
    const owners = users.filter((user) => user.role === 'owner').map((user) => user.username);
    if (owners.length > 0) {
      losses.push(
        `the role owner of ${listNames(owners)}, which Argilla 1.8 cannot load: --force makes them admins, ` +
          "with the same rights (or make them admins first with 'argilla-cli users update USERNAME --role admin')",
      );
    }
    const unverifiable = users.filter((user) => !BCRYPT.test(user.password_hash)).map((user) => user.username);
    if (unverifiable.length > 0) {
      losses.push(
        `the passwords of ${listNames(unverifiable)}, whose hashes (argon2id) Argilla 1.8 cannot verify: they could ` +
          'not log in there (set ARGILLA_PASSWORD_HASH=bcrypt and reset their passwords first to keep them)',
      );
    }
    return losses;
  }
}
