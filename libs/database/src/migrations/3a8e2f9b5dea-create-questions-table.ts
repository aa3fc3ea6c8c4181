import { QueryRunner } from 'typeorm';
import { argillaTypes, createTableStatement, Revision, rowsOf } from './revision';

/** Argilla 1.8's feedback datasets: kept as Argilla creates them; this server does not serve them. */
export class CreateQuestionsTable implements Revision {
  readonly id = '3a8e2f9b5dea';
  readonly parent = 'b9099dc08489';
  readonly description = 'create questions table';

  async up(queryRunner: QueryRunner): Promise<void> {
    const types = argillaTypes(queryRunner);
    await queryRunner.query(
      createTableStatement('questions', [
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
      ]),
    );
    await queryRunner.query('CREATE INDEX ix_questions_name ON questions (name)');
    await queryRunner.query('CREATE INDEX ix_questions_dataset_id ON questions (dataset_id)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE questions');
  }

  lossesOnDowngrade(queryRunner: QueryRunner): Promise<string[]> {
    return rowsOf(queryRunner, 'questions');
  }
}
