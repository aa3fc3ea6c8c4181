import type { QueryRunner } from 'typeorm';
import { ARGILLA_REVISIONS, EARLIER_REVISIONS, REVISIONS } from './migrations';
import { isPostgres } from './migrations/revision';

/**
 * argilla-users 1.8.0 hung its revisions off `1769ee58fbb4`, without Argilla 1.8's dataset tables, and on SQLite
 * stored ids with dashes (`varchar`) and times to the millisecond. This brings such a database onto today's chain,
 * keeping every row: Argilla's dataset tables are created, and SQLite tables are rebuilt in Argilla's storage.
 */
export interface Adoption {
  /** The revision the database was at, and the one it is at now (the same unless it had an earlier release's). */
  readonly from: string | null;
  readonly to: string | null;
  /** What was done, for the operator. */
  readonly changes: readonly string[];
}

/** Argilla's user tables, parents first, and the revision creating each. */
const USER_TABLES = [
  { table: 'users', revision: '74694870197c' },
  { table: 'workspaces', revision: '82a5a88a3fa5' },
  { table: 'workspaces_users', revision: '1769ee58fbb4' },
] as const;
const DATASET_REVISIONS = ARGILLA_REVISIONS.slice(3);
const ID_COLUMNS = new Set(['id', 'workspace_id', 'user_id']);
const TIME_COLUMNS = new Set(['inserted_at', 'updated_at', 'tokens_valid_after']);
/** Adds `disabled` and `tokens_valid_after`, as today's chain does. */
const USERS_DISABLED_REVISION = 'd5fda6c60caa';

function revision(id: string) {
  return REVISIONS.find((candidate) => candidate.id === id)!;
}

/** SQL turning a time stored to the millisecond (or without a fraction) into Argilla's six fractional digits. */
function sixDigits(column: string): string {
  return (
    `CASE WHEN ${column} IS NULL THEN NULL WHEN instr(${column}, '.') = 0 THEN ${column} || '.000000' ` +
    `ELSE substr(${column} || '000000', 1, 26) END`
  );
}

async function columnsOf(queryRunner: QueryRunner, table: string): Promise<{ name: string; type: string }[]> {
  return queryRunner.query(`SELECT name, type FROM pragma_table_info('${table}')`);
}

/** True when the SQLite database keeps ids as this project's earlier releases did (not Argilla's CHAR(32)). */
async function hasEarlierSqliteStorage(queryRunner: QueryRunner): Promise<boolean> {
  if (isPostgres(queryRunner)) return false;
  const id = (await columnsOf(queryRunner, 'users')).find((column) => column.name === 'id');
  return id !== undefined && id.type.toUpperCase() !== 'CHAR(32)';
}

/**
 * Rebuilds the user tables with Argilla's definitions and values (ids without dashes, times to the microsecond).
 * Runs inside the migration's transaction, with foreign keys off (SQLite's procedure for changing a table).
 */
async function rebuildInArgillaStorage(queryRunner: QueryRunner): Promise<void> {
  const present = [];
  for (const entry of USER_TABLES) if (await queryRunner.hasTable(entry.table)) present.push(entry);
  const triggers: { sql: string }[] = await queryRunner.query(
    `SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN (${present.map((e) => `'${e.table}'`).join(', ')})`,
  );
  const indexes: { name: string }[] = await queryRunner.query(
    `SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (${present
      .map((e) => `'${e.table}'`)
      .join(', ')})`,
  );
  for (const { name } of indexes) await queryRunner.query(`DROP INDEX ${name}`);
  for (const { table } of [...present].reverse()) {
    await queryRunner.query(`ALTER TABLE ${table} RENAME TO ${table}_earlier`);
  }
  for (const { table, revision: id } of present) {
    await revision(id).up(queryRunner);
    const earlier = await columnsOf(queryRunner, `${table}_earlier`);
    if (table === 'users' && earlier.some((column) => column.name === 'disabled')) {
      await revision(USERS_DISABLED_REVISION).up(queryRunner);
    }
    const names = earlier.map((column) => column.name);
    const values = names.map((name) => {
      if (ID_COLUMNS.has(name)) return `lower(replace(${name}, '-', ''))`;
      if (TIME_COLUMNS.has(name)) return sixDigits(name);
      return name;
    });
    await queryRunner.query(
      `INSERT INTO ${table} (${names.join(', ')}) SELECT ${values.join(', ')} FROM ${table}_earlier`,
    );
  }
  for (const { table } of [...present].reverse()) await queryRunner.query(`DROP TABLE ${table}_earlier`);
  for (const { sql } of triggers) await queryRunner.query(sql);
  if (await queryRunner.hasTable('login_attempts')) {
    await queryRunner.query(
      `UPDATE login_attempts SET window_started_at = ${sixDigits('window_started_at')}, ` +
        `locked_until = ${sixDigits('locked_until')}, updated_at = ${sixDigits('updated_at')}`,
    );
  }
  // Alembic's own definition of its table, so that the schema reads as Argilla's.
  await queryRunner.query('DROP TABLE IF EXISTS alembic_version');
}

/** Adopts a database written by an earlier release, if it is one; null when there is nothing to do. */
export async function adoptEarlierRelease(queryRunner: QueryRunner, current: string | null): Promise<Adoption | null> {
  const changes: string[] = [];
  if (await hasEarlierSqliteStorage(queryRunner)) {
    await rebuildInArgillaStorage(queryRunner);
    changes.push("users, workspaces and memberships rewritten in Argilla's SQLite storage");
  }
  let to = current;
  if (current !== null && current in EARLIER_REVISIONS) {
    for (const dataset of DATASET_REVISIONS) await dataset.up(queryRunner);
    to = EARLIER_REVISIONS[current];
    changes.push("Argilla 1.8's dataset tables created");
  }
  return changes.length === 0 ? null : { from: current, to, changes };
}
