import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { now } from '@argilla/common';
import { bulkInsert, fromStoredId, selectWhereIn } from '@argilla/database';

/** Names per lookup query (`IN (...)`). */
const BATCH_SIZE = 1_000;

const WORKSPACE_COLUMNS = [
  ['id', 'uuid'],
  ['name', 'varchar'],
  ['inserted_at', 'timestamp'],
  ['updated_at', 'timestamp'],
] as const;

/** The items in slices of at most `size`. */
export function chunks<T>(items: readonly T[], size = BATCH_SIZE): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
}

/**
 * The id of each named workspace, creating the missing ones inside the caller's transaction (creating a user with
 * workspaces, importing a users file). One lookup of every name, the creations in one bulk insert;
 * each new workspace is a little later than the one before, so that listing workspaces by time keeps the order
 * they were named in. A concurrent creation of the same name fails the transaction with a unique violation, which
 * the caller may retry.
 */
export async function findOrCreateWorkspaces(
  manager: EntityManager,
  names: readonly string[],
): Promise<Map<string, string>> {
  const unique = [...new Set(names)];
  const ids = new Map<string, string>();
  const existing = await selectWhereIn<{ id: string; name: string }>(
    manager,
    'SELECT id, name FROM workspaces',
    'name',
    unique,
  );
  for (const workspace of existing) ids.set(workspace.name, fromStoredId(workspace.id));
  const missing = unique
    .filter((name) => !ids.has(name))
    .map((name) => {
      const at = now();
      return [randomUUID(), name, at, at] as const;
    });
  await bulkInsert(manager, 'workspaces', WORKSPACE_COLUMNS, missing);
  for (const [id, name] of missing) ids.set(name, id);
  return ids;
}
