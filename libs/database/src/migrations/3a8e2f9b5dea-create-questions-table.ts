import { ArgillaTypes, CreateDatasetTable } from './revision';

export class CreateQuestionsTable extends CreateDatasetTable {
  readonly id = '3a8e2f9b5dea';
  readonly parent = 'b9099dc08489';
  readonly table = 'questions';
  protected readonly indexes = [
    'CREATE INDEX ix_questions_name ON questions (name)',
    'CREATE INDEX ix_questions_dataset_id ON questions (dataset_id)',
  ];

  protected definition(types: ArgillaTypes): string[] {
    return [
      `id ${types.uuid} NOT NULL`,
      'name VARCHAR NOT NULL',
      'title TEXT NOT NULL',
      'description TEXT',
      `required ${types.falseByDefault} NOT NULL`,
      'settings JSON NOT NULL',
      `dataset_id ${types.uuid} NOT NULL`,
      `inserted_at ${types.timestamp} NOT NULL`,
      `updated_at ${types.timestamp} NOT NULL`,
      'PRIMARY KEY (id)',
      'CONSTRAINT question_name_dataset_id_uq UNIQUE (name, dataset_id)',
      'FOREIGN KEY(dataset_id) REFERENCES datasets (id) ON DELETE CASCADE',
    ];
  }
}
