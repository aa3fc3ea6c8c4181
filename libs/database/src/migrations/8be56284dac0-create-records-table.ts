import { ArgillaTypes, CreateDatasetTable } from './revision';

export class CreateRecordsTable extends CreateDatasetTable {
  readonly id = '8be56284dac0';
  readonly parent = '3a8e2f9b5dea';
  readonly table = 'records';
  protected readonly indexes = [
    'CREATE INDEX ix_records_external_id ON records (external_id)',
    'CREATE INDEX ix_records_dataset_id ON records (dataset_id)',
  ];

  protected definition(types: ArgillaTypes): string[] {
    return [
      `id ${types.uuid} NOT NULL`,
      'fields JSON NOT NULL',
      'external_id VARCHAR',
      `dataset_id ${types.uuid} NOT NULL`,
      `inserted_at ${types.timestamp} NOT NULL`,
      `updated_at ${types.timestamp} NOT NULL`,
      'PRIMARY KEY (id)',
      'CONSTRAINT record_external_id_dataset_id_uq UNIQUE (external_id, dataset_id)',
      'FOREIGN KEY(dataset_id) REFERENCES datasets (id) ON DELETE CASCADE',
    ];
  }
}
