import { QueryRunner } from 'typeorm';
import { argillaTypes, createTableStatement, Revision, rowsOf } from './revision';

/** Argilla 1.8's feedback datasets: kept as Argilla creates them; this server does not serve them. */
export class CreateResponsesTable implements Revision {
  readonly id = 'e402e9d9245e';
  readonly parent = '8be56284dac0';
  readonly description = 'create responses table';

  async up(queryRunner: QueryRunner): Promise<void> {
    const types = argillaTypes(queryRunner);
    await queryRunner.query(
      createTableStatement('responses', [
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
      ]),
    );
    await queryRunner.query('CREATE INDEX ix_responses_status ON responses (status)');
    await queryRunner.query('CREATE INDEX ix_responses_user_id ON responses (user_id)');
    await queryRunner.query('CREATE INDEX ix_responses_record_id ON responses (record_id)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE responses');
  }

  lossesOnDowngrade(queryRunner: QueryRunner): Promise<string[]> {
    return rowsOf(queryRunner, 'responses');
  }
}
