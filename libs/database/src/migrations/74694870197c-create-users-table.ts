import { QueryRunner } from 'typeorm';
import { argillaTypes, createTableStatement, Revision } from './revision';

export class CreateUsersTable implements Revision {
  readonly id = '74694870197c';
  readonly parent = null;
  readonly description = 'create users table';

  async up(queryRunner: QueryRunner): Promise<void> {
    const types = argillaTypes(queryRunner);
    await queryRunner.query(
      createTableStatement('users', [
        `id ${types.uuid} NOT NULL`,
        'first_name VARCHAR NOT NULL',
        'last_name VARCHAR',
        'username VARCHAR NOT NULL',
        'role VARCHAR NOT NULL',
        'api_key TEXT NOT NULL',
        'password_hash TEXT NOT NULL',
        `inserted_at ${types.timestamp} NOT NULL`,
        `updated_at ${types.timestamp} NOT NULL`,
        'PRIMARY KEY (id)',
      ]),
    );
    await queryRunner.query('CREATE INDEX ix_users_role ON users (role)');
    await queryRunner.query('CREATE UNIQUE INDEX ix_users_username ON users (username)');
    await queryRunner.query('CREATE UNIQUE INDEX ix_users_api_key ON users (api_key)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE users');
  }
}
