import { QueryRunner, Table } from 'typeorm';
import { Revision } from './revision';

/** The tables whose every change bumps the data version. */
const TRACKED = ['users', 'workspaces', 'workspaces_users'] as const;

/**
 * A one-row counter that every change to users, workspaces or memberships increments, in the changing transaction,
 * through triggers (so changes made by any replica, the CLI or plain SQL count too). Caches of whole lists compare
 * it with the version they were built at, which makes them exact on every replica.
 *
 * On PostgreSQL the trigger runs BEFORE each statement, so a writing transaction takes the counter's row lock
 * before it touches any row: writers queue on one lock, in one order, and cannot deadlock on it.
 */
export class CreateDataVersion implements Revision {
  readonly id = '8ef49c590498';
  readonly parent = 'd5fda6c60caa';
  readonly description = 'create data_version, bumped by triggers on users, workspaces and memberships';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'data_version',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, primaryKeyConstraintName: 'data_version_pkey' },
          { name: 'version', type: 'bigint' },
        ],
      }),
    );
    await queryRunner.query('INSERT INTO data_version (id, version) VALUES (1, 0)');
    if (queryRunner.connection.options.type === 'postgres') {
      await queryRunner.query(`CREATE FUNCTION bump_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          UPDATE data_version SET version = version + 1 WHERE id = 1;
          RETURN NULL;
        END $$`);
      for (const table of TRACKED) {
        await queryRunner.query(
          `CREATE TRIGGER ${table}_bump_data_version BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON ${table} ` +
            'FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version()',
        );
      }
      return;
    }
    // SQLite has row triggers only; its writers are serialised anyway.
    for (const table of TRACKED) {
      for (const event of ['insert', 'update', 'delete']) {
        await queryRunner.query(
          `CREATE TRIGGER ${table}_bump_data_version_on_${event} AFTER ${event.toUpperCase()} ON ${table} ` +
            'BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END',
        );
      }
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type === 'postgres') {
      for (const table of TRACKED) await queryRunner.query(`DROP TRIGGER ${table}_bump_data_version ON ${table}`);
      await queryRunner.query('DROP FUNCTION bump_data_version()');
    } else {
      for (const table of TRACKED) {
        for (const event of ['insert', 'update', 'delete']) {
          await queryRunner.query(`DROP TRIGGER ${table}_bump_data_version_on_${event}`);
        }
      }
    }
    await queryRunner.dropTable('data_version');
  }
}
