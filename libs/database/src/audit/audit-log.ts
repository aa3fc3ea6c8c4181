import { Injectable } from '@nestjs/common';
import { Brackets, EntityManager } from 'typeorm';
import { NAME_MAX_LENGTH, toStoredTimestamp } from '@argilla/common';
import { Database } from '../database.module';
import { AuditEvent } from '../entities/audit-event.entity';
import { AuditActor, currentAuditOrigin, SYSTEM_ACTOR } from './audit-context';

/** What a recorded action is about. */
export interface AuditTarget {
  type: string;
  id?: string | null;
  name?: string | null;
}

export interface NewAuditEvent {
  action: string;
  target: AuditTarget;
  /** What changed; never a password, hash, key or token. */
  details?: Record<string, unknown>;
  /** Otherwise the current origin's (runWithAuditOrigin), or `system`. */
  actor?: AuditActor;
}

export interface AuditFilters {
  /** An actor's name, or a user's id. */
  actor?: string;
  action?: string;
  targetType?: string;
  targetId?: string;
  since?: Date;
  until?: Date;
}

/** The keys `details` may never carry, at any depth. */
const SECRET_KEYS = /^(password|password_hash|passwordHash|api_key|apiKey|token|secret|token_hash|tokenHash)$/i;

/**
 * The audit log. `record` writes an event in the caller's transaction, so that a change and its event are committed
 * or rolled back together; `recordRepeated` adds to the event of its bucket (failed logins: one row per username,
 * client and minute, however many attempts). Read newest first.
 */
@Injectable()
export class AuditLog {
  private readonly upsert;
  private readonly deleteBatch;

  constructor(private readonly database: Database) {
    this.upsert = database.prepared<{ id: number }>(
      'argilla_audit_repeated',
      `INSERT INTO audit_events (time, actor_type, actor_id, actor_name, action, target_type, target_id, target_name,
         client, request_id, details, count, bucket)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1, $12)
       ON CONFLICT (bucket) DO UPDATE SET count = audit_events.count + 1, time = excluded.time RETURNING id`,
    );
    this.deleteBatch = database.prepared<{ id: number }>(
      'argilla_audit_delete_older',
      `DELETE FROM audit_events WHERE id IN (SELECT id FROM audit_events WHERE time < $1 ORDER BY id LIMIT $2)
       RETURNING id`,
    );
  }

  /**
   * Writes the event in the caller's transaction. On a database below the revision that adds the log, the change
   * fails with it (rolled back, so nothing is written unrecorded), saying to migrate first.
   */
  async record(manager: EntityManager, event: NewAuditEvent): Promise<void> {
    try {
      await manager.insert(AuditEvent, this.row(event, null));
    } catch (error) {
      if (isMissingTable(error)) throw new AuditLogMissingError();
      throw error;
    }
  }

  /**
   * Counts one more occurrence in the event of `bucket` (created with `event` the first time), moving its time to
   * now: one statement, so that replicas racing on a bucket add up. Written on its own (there is no change to join).
   */
  async recordRepeated(bucket: string, event: NewAuditEvent): Promise<void> {
    const row = this.row(event, bucket);
    await this.upsert([
      toStoredTimestamp(row.time!),
      row.actorType,
      row.actorId,
      row.actorName,
      row.action,
      row.targetType,
      row.targetId,
      row.targetName,
      row.client,
      row.requestId,
      row.details,
      bucket,
    ]);
  }

  private row(event: NewAuditEvent, bucket: string | null): Partial<AuditEvent> {
    const origin = currentAuditOrigin();
    const actor = event.actor ?? origin?.actor ?? SYSTEM_ACTOR;
    return {
      time: new Date(),
      actorType: actor.type,
      actorId: actor.id ?? null,
      actorName: clipped(actor.name),
      action: event.action,
      targetType: event.target.type,
      targetId: event.target.id ?? null,
      targetName: event.target.name ?? null,
      client: origin?.client ?? null,
      requestId: origin?.requestId ?? null,
      details: JSON.stringify(withoutSecrets(event.details ?? {})),
      count: 1,
      bucket,
    };
  }

  /** A page of events, newest first, and how many match. */
  async page(filters: AuditFilters, limit: number, offset: number): Promise<{ items: AuditEvent[]; total: number }> {
    const query = (await this.database.dataSource()).manager.createQueryBuilder(AuditEvent, 'e');
    if (filters.actor !== undefined) {
      query.andWhere(
        new Brackets((where) =>
          where.where('e.actor_name = :actor', { actor: filters.actor }).orWhere('e.actor_id = :actor'),
        ),
      );
    }
    if (filters.action !== undefined) query.andWhere('e.action = :action', { action: filters.action });
    if (filters.targetType !== undefined) {
      query.andWhere('e.target_type = :targetType', { targetType: filters.targetType });
    }
    if (filters.targetId !== undefined) query.andWhere('e.target_id = :targetId', { targetId: filters.targetId });
    if (filters.since !== undefined) query.andWhere('e.time >= :since', { since: toStoredTimestamp(filters.since) });
    if (filters.until !== undefined) query.andWhere('e.time < :until', { until: toStoredTimestamp(filters.until) });
    const [items, total] = await query.orderBy('e.id', 'DESC').skip(offset).take(limit).getManyAndCount();
    return { items, total };
  }

  /**
   * Deletes the events older than `before`, a batch at a time (so that no long statement holds the table); how
   * many.
   */
  async deleteOlderThan(before: Date, batch = 5_000): Promise<number> {
    let deleted = 0;
    for (;;) {
      const rows = await this.deleteBatch([toStoredTimestamp(before), batch]);
      deleted += rows.length;
      if (rows.length < batch) return deleted;
    }
  }
}

/**
 * An actor's name as an event keeps it: its first NAME_MAX_LENGTH characters (no user has a longer username). A
 * failed login's actor is the username it was sent, which may be any text, and PostgreSQL cannot index a name of
 * many kilobytes (`ix_audit_events_actor_name`): the login would fail with a 500. The target keeps the whole name.
 */
function clipped(name: string): string {
  return name.length <= NAME_MAX_LENGTH ? name : Array.from(name).slice(0, NAME_MAX_LENGTH).join('');
}

/** `details` without any key that names a secret, at any depth. */
function withoutSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSecrets);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>)
      .filter(([key]) => !SECRET_KEYS.test(key))
      .map(([key, inner]) => [key, withoutSecrets(inner)]),
  );
}

/** A write that must be recorded, on a database without the audit log. */
export class AuditLogMissingError extends Error {
  constructor() {
    super(
      "The database has no audit log (its schema is at an earlier revision): run 'argilla-cli database migrate' " +
        'first. Nothing was changed.',
    );
    this.name = 'AuditLogMissingError';
  }
}

/** PostgreSQL 42P01 (undefined table), or SQLite's "no such table", for audit_events. */
function isMissingTable(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (code === '42P01') return true;
  return typeof message === 'string' && message.includes('no such table: audit_events');
}
