import { ArgillaTypes, CreateDatasetTable } from './revision';

export class CreateDatasetsTable extends CreateDatasetTable {
  readonly id = 'b9099dc08489';
  readonly parent = '1769ee58fbb4';
  readonly table = 'datasets';
  protected readonly indexes = [
    'CREATE INDEX ix_datasets_name ON datasets (name)',
    'CREATE INDEX ix_datasets_workspace_id ON datasets (workspace_id)',
    'CREATE INDEX ix_datasets_status ON datasets (status)',
  ];

  protected definition(types: ArgillaTypes): string[] {
    return [
      `id ${types.uuid} NOT NULL`,
      'name VARCHAR NOT NULL',
      'guidelines TEXT',
      'status VARCHAR NOT NULL',
      `workspace_id ${types.uuid} NOT NULL`,
      `inserted_at ${types.timestamp} NOT NULL`,
      `updated_at ${types.timestamp} NOT NULL`,
      'PRIMARY KEY (id)',
      'CONSTRAINT dataset_name_workspace_id_uq UNIQUE (name, workspace_id)',
      'FOREIGN KEY(workspace_id) REFERENCES workspaces (id) ON DELETE CASCADE',
    ];
  }
}
