import { QueryRunner, Table } from 'typeorm';
import { columnTypes, isPostgres, Revision } from './revision';

/**
 * The audit log: one row per recorded action (see AuditLog). A table of this project's own: Argilla's tables are
 * not changed, and a downgrade drops it, with the history it holds.
 */
export class CreateAuditEventsTable implements Revision {
  readonly id = '9c3e5a7b1d24';
  readonly parent = '4e8b1d6f2a97';
  readonly description = 'create audit_events table';

  async up(queryRunner: QueryRunner): Promise<void> {
    const types = columnTypes(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'audit_events',
        columns: [
          // PostgreSQL: a serial. SQLite: an INTEGER PRIMARY KEY, which is the rowid and numbers new rows by itself;
          // not AUTOINCREMENT, which would create sqlite_sequence, a table that stays after a downgrade and would
          // make the schema handed back to Argilla 1.8 differ from its own.
          {
            name: 'id',
            type: 'integer',
            isPrimary: true,
            isGenerated: isPostgres(queryRunner),
            generationStrategy: 'increment',
            primaryKeyConstraintName: 'audit_events_pkey',
          },
          { name: 'time', type: types.timestamp },
          { name: 'actor_type', type: 'varchar' },
          { name: 'actor_id', type: 'varchar', isNullable: true },
          { name: 'actor_name', type: 'varchar' },
          { name: 'action', type: 'varchar' },
          { name: 'target_type', type: 'varchar' },
          { name: 'target_id', type: 'varchar', isNullable: true },
          { name: 'target_name', type: 'varchar', isNullable: true },
          { name: 'client', type: 'varchar', isNullable: true },
          { name: 'request_id', type: 'varchar', isNullable: true },
          { name: 'details', type: 'text' },
          { name: 'count', type: 'integer', default: 1 },
          { name: 'bucket', type: 'varchar', isNullable: true },
        ],
        indices: [
          { name: 'ix_audit_events_time', columnNames: ['time'] },
          { name: 'ix_audit_events_actor_name', columnNames: ['actor_name'] },
          { name: 'ix_audit_events_action', columnNames: ['action'] },
          { name: 'ix_audit_events_target_id', columnNames: ['target_id'] },
          { name: 'ix_audit_events_bucket', columnNames: ['bucket'], isUnique: true },
        ],
      }),
    );
  }

  /**
   * Drops the recorded history with the table, without refusing: a downgrade is how a database goes back to Argilla
   * 1.8, and the log always holds events (the migrations themselves). Save it first with `audit list --json`.
   */
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('audit_events');
  }
}
