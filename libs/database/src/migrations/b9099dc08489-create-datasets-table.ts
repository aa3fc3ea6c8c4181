import { QueryRunner } from 'typeorm';
import { argillaTypes, createTableStatement, Revision, rowsOf } from './revision';

/** Argilla 1.8's feedback datasets: kept as Argilla creates them; this server does not serve them. */
export class CreateDatasetsTable implements Revision {
  readonly id = 'b9099dc08489';
  readonly parent = '1769ee58fbb4';
  readonly description = 'create datasets table';

  async up(queryRunner: QueryRunner): Promise<void> {
    const types = argillaTypes(queryRunner);
    await queryRunner.query(
      createTableStatement('datasets', [
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
      ]),
    );
    await queryRunner.query('CREATE INDEX ix_datasets_name ON datasets (name)');
    await queryRunner.query('CREATE INDEX ix_datasets_workspace_id ON datasets (workspace_id)');
    await queryRunner.query('CREATE INDEX ix_datasets_status ON datasets (status)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE datasets');
  }

  lossesOnDowngrade(queryRunner: QueryRunner): Promise<string[]> {
    return rowsOf(queryRunner, 'datasets');
  }
}
