import { QueryRunner } from 'typeorm';
import { argillaTypes, createTableStatement, Revision, rowsOf } from './revision';

/** Argilla 1.8's feedback datasets: kept as Argilla creates them; this server does not serve them. */
export class CreateFieldsTable implements Revision {
  readonly id = 'ae5522b4c674';
  readonly parent = 'e402e9d9245e';
  readonly description = 'create fields table';

  async up(queryRunner: QueryRunner): Promise<void> {
    const types = argillaTypes(queryRunner);
    await queryRunner.query(
      createTableStatement('fields', [
        `id ${types.uuid} NOT NULL`,
        'name VARCHAR NOT NULL',
        'title TEXT NOT NULL',
        `required ${types.falseByDefault} NOT NULL`,
        'settings JSON NOT NULL',
        `dataset_id ${types.uuid} NOT NULL`,
        `inserted_at ${types.timestamp} NOT NULL`,
        `updated_at ${types.timestamp} NOT NULL`,
        'PRIMARY KEY (id)',
        'CONSTRAINT field_name_dataset_id_uq UNIQUE (name, dataset_id)',
        'FOREIGN KEY(dataset_id) REFERENCES datasets (id) ON DELETE CASCADE',
      ]),
    );
    await queryRunner.query('CREATE INDEX ix_fields_name ON fields (name)');
    await queryRunner.query('CREATE INDEX ix_fields_dataset_id ON fields (dataset_id)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE fields');
  }

  lossesOnDowngrade(queryRunner: QueryRunner): Promise<string[]> {
    return rowsOf(queryRunner, 'fields');
  }
}
