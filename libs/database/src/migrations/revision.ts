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
}

/**
 * The engine-specific names of the portable column types, taken from the driver itself so that the
 * migrations write exactly the types the entities describe (PostgreSQL: uuid / timestamp; SQLite: varchar / datetime).
 */
export function columnTypes(queryRunner: QueryRunner): { uuid: string; timestamp: string } {
  const driver = queryRunner.connection.driver;
  return {
    uuid: driver.normalizeType({ type: 'uuid' }),
    timestamp: driver.normalizeType({ type: Date }),
  };
}
