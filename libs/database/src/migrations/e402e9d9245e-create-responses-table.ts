import { ArgillaTypes, CreateDatasetTable } from './revision';

export class CreateResponsesTable extends CreateDatasetTable {
  readonly id = 'e402e9d9245e';
  readonly parent = '8be56284dac0';
  readonly table = 'responses';
  protected readonly indexes = [
    'CREATE INDEX ix_responses_status ON responses (status)',
    'CREATE INDEX ix_responses_user_id ON responses (user_id)',
    'CREATE INDEX ix_responses_record_id ON responses (record_id)',
  ];

  protected definition(types: ArgillaTypes): string[] {
    return [
      `id ${types.uuid} NOT NULL`,
      '"values" JSON',
      'status VARCHAR NOT NULL',
      `record_id ${types.uuid} NOT NULL`,
      `user_id ${types.uuid}`,
      `inserted_at ${types.timestamp} NOT NULL`,
      `updated_at ${types.timestamp} NOT NULL`,
      'PRIMARY KEY (id)',
      'CONSTRAINT response_record_id_user_id_uq UNIQUE (record_id, user_id)',
      'FOREIGN KEY(record_id) REFERENCES records (id) ON DELETE CASCADE',
      // Deleting a user keeps its responses.
      'FOREIGN KEY(user_id) REFERENCES users (id) ON DELETE SET NULL',
    ];
  }
}
