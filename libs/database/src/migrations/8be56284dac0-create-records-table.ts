import { QueryRunner } from 'typeorm';
import { argillaTypes, createTableStatement, Revision, rowsOf } from './revision';

/** Argilla 1.8's feedback datasets: kept as Argilla creates them; this server does not serve them. */
export class CreateRecordsTable implements Revision {
  readonly id = '8be56284dac0';
  readonly parent = '3a8e2f9b5dea';
  readonly description = 'create records table';

  async up(queryRunner: QueryRunner): Promise<void> {
    const types = argillaTypes(queryRunner);
    await queryRunner.query(
      createTableStatement('records', [
        `id ${types.uuid} NOT NULL`,
        'fields JSON NOT NULL',
        'external_id VARCHAR',
        `dataset_id ${types.uuid} NOT NULL`,
        `inserted_at ${types.timestamp} NOT NULL`,
        `updated_at ${types.timestamp} NOT NULL`,
        'PRIMARY KEY (id)',
        'CONSTRAINT record_external_id_dataset_id_uq UNIQUE (external_id, dataset_id)',
        'FOREIGN KEY(dataset_id) REFERENCES datasets (id) ON DELETE CASCADE',
      ]),
    );
    await queryRunner.query('CREATE INDEX ix_records_external_id ON records (external_id)');
    await queryRunner.query('CREATE INDEX ix_records_dataset_id ON records (dataset_id)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE records');
  }

  lossesOnDowngrade(queryRunner: QueryRunner): Promise<string[]> {
    return rowsOf(queryRunner, 'records');
  }
}
