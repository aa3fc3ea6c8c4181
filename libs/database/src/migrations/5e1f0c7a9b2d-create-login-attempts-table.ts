import { QueryRunner, Table } from 'typeorm';
import { columnTypes, Revision } from './revision';

export class CreateLoginAttemptsTable implements Revision {
  readonly id = '5e1f0c7a9b2d';
  readonly parent = '1769ee58fbb4';
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

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('login_attempts');
  }
}
