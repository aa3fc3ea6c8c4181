import { QueryRunner, Table } from 'typeorm';
import { columnTypes, listNames, Revision } from './revision';

/**
 * Single sign-on: identities at OpenID providers linked to users, and the marks of the memberships a provider's
 * claims granted. Tables of this project's own: Argilla's tables are not changed, and a downgrade drops these two.
 */
export class CreateOAuthTables implements Revision {
  readonly id = '654435fa1803';
  readonly parent = '8ef49c590498';
  readonly description = 'create oauth_identities and oauth_memberships tables';

  async up(queryRunner: QueryRunner): Promise<void> {
    const types = columnTypes(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'oauth_identities',
        columns: [
          { name: 'id', type: types.uuid, isPrimary: true, primaryKeyConstraintName: 'oauth_identities_pkey' },
          { name: 'provider', type: 'varchar' },
          { name: 'subject', type: 'varchar' },
          { name: 'user_id', type: types.uuid },
          { name: 'email', type: 'varchar', isNullable: true },
          { name: 'created_at', type: types.timestamp },
          { name: 'last_sign_in_at', type: types.timestamp },
        ],
        uniques: [{ name: 'oauth_identity_provider_subject_uq', columnNames: ['provider', 'subject'] }],
        indices: [{ name: 'ix_oauth_identities_user_id', columnNames: ['user_id'] }],
        foreignKeys: [
          {
            name: 'oauth_identities_user_id_fkey',
            columnNames: ['user_id'],
            referencedTableName: 'users',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'oauth_memberships',
        columns: [
          {
            name: 'membership_id',
            type: types.uuid,
            isPrimary: true,
            primaryKeyConstraintName: 'oauth_memberships_pkey',
          },
          { name: 'provider', type: 'varchar' },
          { name: 'created_at', type: types.timestamp },
        ],
        foreignKeys: [
          {
            name: 'oauth_memberships_membership_id_fkey',
            columnNames: ['membership_id'],
            referencedTableName: 'workspaces_users',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('oauth_memberships');
    await queryRunner.dropTable('oauth_identities');
  }

  /**
   * The links are what lets their users sign in through their provider: without them a sign-in would look like a
   * first one and, the username being taken, be refused. Memberships stay (only their marks go).
   */
  async lossesOnDowngrade(queryRunner: QueryRunner): Promise<string[]> {
    const rows: { username: string }[] = await queryRunner.query(
      'SELECT DISTINCT users.username AS username FROM oauth_identities ' +
        'INNER JOIN users ON users.id = oauth_identities.user_id ORDER BY users.username',
    );
    if (rows.length === 0) return [];
    return [
      `the single sign-on identities linked to ${listNames(rows.map((row) => row.username))}, who could no longer ` +
        'sign in through their OpenID provider (their memberships stay; those the provider granted become ordinary ones)',
    ];
  }
}
