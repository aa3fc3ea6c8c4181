import { QueryRunner } from 'typeorm';
import { argillaTypes, createTableStatement, Revision } from './revision';

export class CreateWorkspacesTable implements Revision {
  readonly id = '82a5a88a3fa5';
  readonly parent = '74694870197c';
  readonly description = 'create workspaces table';

  async up(queryRunner: QueryRunner): Promise<void> {
    const types = argillaTypes(queryRunner);
    await queryRunner.query(
      createTableStatement('workspaces', [
        `id ${types.uuid} NOT NULL`,
        'name VARCHAR NOT NULL',
        `inserted_at ${types.timestamp} NOT NULL`,
        `updated_at ${types.timestamp} NOT NULL`,
        'PRIMARY KEY (id)',
      ]),
    );
    await queryRunner.query('CREATE UNIQUE INDEX ix_workspaces_name ON workspaces (name)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE workspaces');
  }
}
