import type { QueryRunner } from 'typeorm';

/**
 * One step of the schema history. Ids and parents form a linear chain, as Alembic's do, so that a database
 * created by Argilla itself (which records its revision in `alembic_version`) is recognised as it is.
 */
export interface Revision {
  readonly id: string;
  readonly parent: string | null;
  readonly description: string;
  up(queryRunner: QueryRunner): Promise<void>;
  down(queryRunner: QueryRunner): Promise<void>;
  /**
   * What `down` would lose that matters (security state, data Argilla keeps), worded for the operator; empty when
   * nothing. A downgrade that would lose something refuses unless forced.
   */
  lossesOnDowngrade?(queryRunner: QueryRunner, context: DowngradeContext): Promise<string[]>;
}

export interface DowngradeContext {
  /** How long a token lives: tokens issued before a password change within this time would be valid again. */
  readonly tokenLifetimeSeconds: number;
}

export function isPostgres(queryRunner: QueryRunner): boolean {
  return queryRunner.connection.options.type === 'postgres';
}

/** The column types Argilla's tables are declared with (SQLAlchemy's DDL for each engine). */
export function argillaTypes(queryRunner: QueryRunner): { uuid: string; timestamp: string; falseByDefault: string } {
  return isPostgres(queryRunner)
    ? { uuid: 'UUID', timestamp: 'TIMESTAMP WITHOUT TIME ZONE', falseByDefault: 'BOOLEAN DEFAULT false' }
    : { uuid: 'CHAR(32)', timestamp: 'DATETIME', falseByDefault: 'BOOLEAN DEFAULT 0' };
}

/**
 * `CREATE TABLE` worded exactly as SQLAlchemy words it. SQLite keeps a table's statement as its definition, so a
 * table created here reads the same in `sqlite_master` as one Argilla created.
 */
export function createTableStatement(name: string, elements: readonly string[]): string {
  return `CREATE TABLE ${name} (\n\t${elements.join(', \n\t')}\n)`;
}

/**
 * The engine-specific names of the portable column types, taken from the driver itself, for this project's own
 * tables (PostgreSQL: uuid / timestamp; SQLite: varchar / datetime).
 */
export function columnTypes(queryRunner: QueryRunner): { uuid: string; timestamp: string } {
  const driver = queryRunner.connection.driver;
  return {
    uuid: driver.normalizeType({ type: 'uuid' }),
    timestamp: driver.normalizeType({ type: Date }),
  };
}

/** Up to 20 names, then how many more. */
export function listNames(names: readonly string[]): string {
  const shown = names.slice(0, 20).join(', ');
  return names.length > 20 ? `${shown} and ${names.length - 20} more` : shown;
}

/** What dropping one of Argilla's tables loses: its rows, if it has any. */
export async function rowsOf(queryRunner: QueryRunner, table: string): Promise<string[]> {
  const [{ count }]: { count: string | number }[] = await queryRunner.query(`SELECT COUNT(*) AS count FROM ${table}`);
  const rows = Number(count);
  return rows === 0 ? [] : [`the ${rows} row${rows === 1 ? '' : 's'} of Argilla's table ${table}`];
}

export type ArgillaTypes = ReturnType<typeof argillaTypes>;

/**
 * A revision of Argilla's own chain: one table created as Argilla (SQLAlchemy) creates it, then its indexes, in
 * Argilla's order; its downgrade drops the table.
 */
export abstract class CreateArgillaTable implements Revision {
  abstract readonly id: string;
  abstract readonly parent: string | null;
  abstract readonly table: string;
  /** `CREATE [UNIQUE] INDEX` statements. */
  protected abstract readonly indexes: readonly string[];
  /** The columns and constraints. */
  protected abstract definition(types: ArgillaTypes): string[];

  get description(): string {
    return `create ${this.table} table`;
  }

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(createTableStatement(this.table, this.definition(argillaTypes(queryRunner))));
    for (const index of this.indexes) await queryRunner.query(index);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ${this.table}`);
  }
}

/**
 * One of Argilla 1.8's feedback-dataset tables, kept as Argilla creates them (this server does not serve them):
 * dropping one that holds rows is refused unless forced.
 */
export abstract class CreateDatasetTable extends CreateArgillaTable {
  lossesOnDowngrade(queryRunner: QueryRunner): Promise<string[]> {
    return rowsOf(queryRunner, this.table);
  }
}
