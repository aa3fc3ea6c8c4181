import { ArgillaTypes, CreateDatasetTable } from './revision';

export class CreateFieldsTable extends CreateDatasetTable {
  readonly id = 'ae5522b4c674';
  readonly parent = 'e402e9d9245e';
  readonly table = 'fields';
  protected readonly indexes = [
    'CREATE INDEX ix_fields_name ON fields (name)',
    'CREATE INDEX ix_fields_dataset_id ON fields (dataset_id)',
  ];

  protected definition(types: ArgillaTypes): string[] {
    return [
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
    ];
  }
}
