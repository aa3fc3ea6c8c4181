import { DataSource, QueryRunner } from 'typeorm';
import { Adoption, adoptEarlierRelease } from './earlier-release';
import { DowngradeContext, EARLIER_REVISIONS, REVISIONS, Revision, TAGS } from './migrations';
import { createTableStatement } from './migrations/revision';

/** The table Alembic uses, so that a database Argilla created is read at the revision it is at. */
export const VERSION_TABLE = 'alembic_version';
/** Names the `base` of the chain: the database before the first revision. */
export const BASE = 'base';
// Any constant works: it only has to be the same for every process that migrates this database.
const POSTGRES_MIGRATION_LOCK_ID = 7_469_487_019;

export class UnknownRevisionError extends Error {
  constructor(
    readonly revision: string,
    known: string,
  ) {
    super(`Unknown revision '${revision}'. Known: ${known}.`);
    this.name = 'UnknownRevisionError';
  }
}

export class UnknownDatabaseRevisionError extends Error {
  constructor(readonly revision: string) {
    super(
      `The database is at revision '${revision}', which this version of argilla-users does not know ` +
        '(was it migrated by a newer version?).',
    );
    this.name = 'UnknownDatabaseRevisionError';
  }
}

/** A downgrade that would lose security state or Argilla's data, refused; nothing was changed. */
export class DowngradeRefusedError extends Error {
  constructor(
    readonly target: string,
    readonly losses: readonly string[],
  ) {
    super(
      `Refusing to migrate down to '${target}': it would lose ${losses.join('; ')}. Nothing was changed. ` +
        'To go ahead anyway, run it again with --force.',
    );
    this.name = 'DowngradeRefusedError';
  }
}

export interface RevisionStep {
  readonly direction: 'upgrade' | 'downgrade';
  readonly revision: Revision;
}

/** A database of an earlier release of this project, brought onto today's chain before any other step. */
export interface AdoptionStep {
  readonly direction: 'adopt';
  readonly adoption: Adoption;
}

export type MigrationStep = RevisionStep | AdoptionStep;

export interface MigrateOptions {
  /** Run a downgrade even when it would lose security state or Argilla's data. */
  readonly force?: boolean;
  /** Told what a forced downgrade loses, before its first step, so that the operator sees it. */
  readonly onForcedLosses?: (losses: readonly string[]) => void;
  readonly downgradeContext?: DowngradeContext;
}

/** Tokens live a day unless the caller says otherwise. */
const DEFAULT_DOWNGRADE_CONTEXT: DowngradeContext = { tokenLifetimeSeconds: 24 * 60 * 60 };

/** `Running upgrade <parent> -> <rev>, <description>`, worded as Alembic words it. */
export function describeStep(step: MigrationStep): string {
  if (step.direction === 'adopt') {
    const { from, to, changes } = step.adoption;
    const moved = from !== to ? `, now '${to}'` : '';
    return `Adopting a database of argilla-users 1.8.0 (revision '${from ?? 'base'}'${moved}): ${changes.join('; ')}`;
  }
  const { direction, revision } = step;
  const parent = revision.parent ?? '';
  return direction === 'upgrade'
    ? `Running upgrade ${parent} -> ${revision.id}, ${revision.description}`
    : `Running downgrade ${revision.id} -> ${parent}, ${revision.description}`;
}

/**
 * Moves a database along the revision chain. Every run is one transaction (both engines have
 * transactional DDL), so a failed or refused run changes nothing; concurrent runs are serialised
 * (PostgreSQL advisory lock, SQLite `BEGIN IMMEDIATE`).
 */
export class MigrationRunner {
  readonly revisions: readonly Revision[];
  readonly tags: Readonly<Record<string, string>>;

  constructor(
    private readonly dataSource: DataSource,
    revisions: readonly Revision[] = REVISIONS,
    tags: Readonly<Record<string, string>> = TAGS,
  ) {
    assertLinearChain(revisions, tags);
    this.revisions = revisions;
    this.tags = tags;
  }

  get head(): string {
    return this.revisions[this.revisions.length - 1].id;
  }

  /** Tags by revision id, for display. */
  tagsOf(revisionId: string): string[] {
    return Object.entries(this.tags)
      .filter(([, id]) => id === revisionId)
      .map(([tag]) => tag);
  }

  /**
   * `head`, `base`, a tag, a revision id or a unique prefix of one (at least 4 characters); an earlier release's
   * revision id names the revision it became. Null means base.
   */
  resolve(target: string): string | null {
    const wanted = target.trim();
    if (wanted === 'head') return this.head;
    if (wanted === BASE) return null;
    if (wanted in this.tags) return this.tags[wanted];
    if (wanted in EARLIER_REVISIONS) return EARLIER_REVISIONS[wanted];
    const exact = this.revisions.find((revision) => revision.id === wanted);
    if (exact) return exact.id;
    const byPrefix = wanted.length >= 4 ? this.revisions.filter((r) => r.id.startsWith(wanted)) : [];
    if (byPrefix.length === 1) return byPrefix[0].id;
    const known = [
      'head',
      BASE,
      ...Object.keys(this.tags).map((tag) => `tag ${tag}`),
      ...this.revisions.map((r) => r.id),
    ];
    throw new UnknownRevisionError(target, known.join(', '));
  }

  /** The revision the database is at; null for an empty database. */
  async current(): Promise<string | null> {
    const queryRunner = this.dataSource.createQueryRunner();
    try {
      return await this.readCurrent(queryRunner);
    } finally {
      await queryRunner.release();
    }
  }

  /** The steps that would take the database from `from` to `to` (both null for base). */
  plan(from: string | null, to: string | null): RevisionStep[] {
    const fromIndex = this.indexOf(from);
    const toIndex = this.indexOf(to);
    if (toIndex >= fromIndex) {
      return this.revisions.slice(fromIndex + 1, toIndex + 1).map((revision) => ({ direction: 'upgrade', revision }));
    }
    return this.revisions
      .slice(toIndex + 1, fromIndex + 1)
      .reverse()
      .map((revision) => ({ direction: 'downgrade', revision }));
  }

  /**
   * Upgrades or downgrades to `target`, calling `onStep` before each step. Returns the steps run (none when the
   * database is already there). A database of an earlier release is adopted first. A downgrade that would lose
   * security state or Argilla's data refuses (DowngradeRefusedError) unless `force`, which tells `onForcedLosses`
   * what it loses; a refused or failed run changes nothing.
   */
  async migrate(
    target = 'head',
    onStep?: (step: MigrationStep) => void,
    options: MigrateOptions = {},
  ): Promise<MigrationStep[]> {
    const to = this.resolve(target);
    const queryRunner = this.dataSource.createQueryRunner();
    const sqlite = this.dataSource.options.type !== 'postgres';
    try {
      if (sqlite) {
        // SQLite changes a table by rebuilding it, which needs foreign keys off (they cannot change inside a
        // transaction); they are checked as a whole before committing.
        await queryRunner.query('PRAGMA foreign_keys = OFF');
        await queryRunner.query('BEGIN IMMEDIATE');
      } else {
        await queryRunner.startTransaction();
        await queryRunner.query('SELECT pg_advisory_xact_lock($1)', [POSTGRES_MIGRATION_LOCK_ID]);
      }
      try {
        const steps: MigrationStep[] = [];
        let from = await this.readCurrent(queryRunner);
        const adoption = await adoptEarlierRelease(queryRunner, from);
        if (adoption) {
          const step: AdoptionStep = { direction: 'adopt', adoption };
          onStep?.(step);
          steps.push(step);
          from = adoption.to;
        }
        const revisionSteps = this.plan(from, to);
        const losses = await this.lossesOf(queryRunner, revisionSteps, options);
        if (losses.length > 0) {
          if (!options.force) throw new DowngradeRefusedError(target, losses);
          options.onForcedLosses?.(losses);
        }
        for (const step of revisionSteps) {
          onStep?.(step);
          if (step.direction === 'upgrade') await step.revision.up(queryRunner);
          else await step.revision.down(queryRunner);
          steps.push(step);
        }
        if (steps.length > 0) await this.writeCurrent(queryRunner, revisionSteps.length > 0 ? to : from);
        if (sqlite) {
          const violations: unknown[] = await queryRunner.query('PRAGMA foreign_key_check');
          if (violations.length > 0) {
            throw new Error(`The migration would leave ${violations.length} rows whose foreign keys point nowhere.`);
          }
          await queryRunner.query('COMMIT');
        } else {
          await queryRunner.commitTransaction();
        }
        return steps;
      } catch (error) {
        if (sqlite) await queryRunner.query('ROLLBACK');
        else await queryRunner.rollbackTransaction();
        throw error;
      }
    } finally {
      if (sqlite) await queryRunner.query('PRAGMA foreign_keys = ON');
      await queryRunner.release();
    }
  }

  /** What the downgrade steps among `steps` would lose, in the order they run. */
  private async lossesOf(
    queryRunner: QueryRunner,
    steps: readonly RevisionStep[],
    options: MigrateOptions,
  ): Promise<string[]> {
    const context = options.downgradeContext ?? DEFAULT_DOWNGRADE_CONTEXT;
    const losses: string[] = [];
    for (const step of steps) {
      if (step.direction === 'downgrade' && step.revision.lossesOnDowngrade) {
        losses.push(...(await step.revision.lossesOnDowngrade(queryRunner, context)));
      }
    }
    return losses;
  }

  private indexOf(revisionId: string | null): number {
    if (revisionId === null) return -1;
    const index = this.revisions.findIndex((revision) => revision.id === revisionId);
    if (index < 0) throw new UnknownDatabaseRevisionError(revisionId);
    return index;
  }

  private async readCurrent(queryRunner: QueryRunner): Promise<string | null> {
    if (!(await queryRunner.hasTable(VERSION_TABLE))) return null;
    const rows: { version_num: string }[] = await queryRunner.query(`SELECT version_num FROM ${VERSION_TABLE}`);
    if (rows.length === 0) return null;
    if (rows.length > 1) {
      throw new Error(`The table ${VERSION_TABLE} holds ${rows.length} revisions; a linear history holds one.`);
    }
    const current = rows[0].version_num;
    if (!(current in EARLIER_REVISIONS)) this.indexOf(current);
    return current;
  }

  private async writeCurrent(queryRunner: QueryRunner, revisionId: string | null): Promise<void> {
    if (!(await queryRunner.hasTable(VERSION_TABLE))) {
      await queryRunner.query(
        createTableStatement(VERSION_TABLE, [
          'version_num VARCHAR(32) NOT NULL',
          `CONSTRAINT ${VERSION_TABLE}_pkc PRIMARY KEY (version_num)`,
        ]),
      );
    }
    await queryRunner.query(`DELETE FROM ${VERSION_TABLE}`);
    if (revisionId !== null) {
      const placeholder = this.dataSource.options.type === 'postgres' ? '$1' : '?';
      await queryRunner.query(`INSERT INTO ${VERSION_TABLE} (version_num) VALUES (${placeholder})`, [revisionId]);
    }
  }
}

function assertLinearChain(revisions: readonly Revision[], tags: Readonly<Record<string, string>>): void {
  if (revisions.length === 0) throw new Error('The revision chain is empty.');
  revisions.forEach((revision, index) => {
    const expectedParent = index === 0 ? null : revisions[index - 1].id;
    if (revision.parent !== expectedParent) {
      throw new Error(
        `Revision ${revision.id} has parent ${revision.parent ?? 'base'}, expected ${expectedParent ?? 'base'}.`,
      );
    }
  });
  const ids = new Set(revisions.map((revision) => revision.id));
  if (ids.size !== revisions.length) throw new Error('Two revisions share an id.');
  for (const [tag, id] of Object.entries(tags)) {
    if (!ids.has(id)) throw new Error(`Tag ${tag} names unknown revision ${id}.`);
  }
}

export class SchemaNotAtHeadError extends Error {
  constructor(
    readonly current: string | null,
    readonly head: string,
  ) {
    super(
      `The database schema is at ${current === null ? 'no revision (empty database)' : `revision '${current}'`}, ` +
        `but this version needs '${head}' (head). Run 'argilla-cli database migrate' first.`,
    );
    this.name = 'SchemaNotAtHeadError';
  }
}

/** The server never migrates by itself: several replicas may start at once. It refuses to run on an old schema. */
export async function assertSchemaAtHead(runner: MigrationRunner): Promise<void> {
  const current = await runner.current();
  if (current !== runner.head) throw new SchemaNotAtHeadError(current, runner.head);
}
