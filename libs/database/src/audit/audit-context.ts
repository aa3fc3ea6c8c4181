import { AsyncLocalStorage } from 'node:async_hooks';
import type { AuditActorType } from '../entities/audit-event.entity';

export interface AuditActor {
  type: AuditActorType;
  /** A user's id. */
  id?: string;
  /** A user's username, the operating-system user of a CLI run, or `system`. */
  name: string;
}

/** Who acts and from where, for the events written while it is current. */
export interface AuditOrigin {
  actor?: AuditActor;
  /** The client's address, over HTTP. */
  client?: string;
  requestId?: string;
}

export const SYSTEM_ACTOR: AuditActor = Object.freeze({ type: 'system', name: 'system' });

const storage = new AsyncLocalStorage<AuditOrigin>();

/**
 * Runs `work` with `origin` current: every event recorded inside (awaited or not) names its actor and client. The
 * server starts one per request (the actor is set once the request is authenticated); the CLI one per run.
 */
export function runWithAuditOrigin<T>(origin: AuditOrigin, work: () => T): T {
  return storage.run(origin, work);
}

/** The origin current here; none outside a request or a CLI run (the server's own work: `system`). */
export function currentAuditOrigin(): AuditOrigin | undefined {
  return storage.getStore();
}
