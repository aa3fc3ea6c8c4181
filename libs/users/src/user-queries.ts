import { parseTimestamp } from '@argilla/common';
import { Database, fromStoredId, User } from '@argilla/database';
import { UserWithWorkspaces } from './user-response';

/** The characters of bcrypt's and argon2's encoded salts and hashes. */
const BASE64_CHARACTERS = './+ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** What the hot lookups select: the user's columns and its workspace names in membership order. */
interface UserRow {
  id: string;
  first_name: string;
  last_name: string | null;
  username: string;
  role: User['role'];
  api_key: string;
  password_hash: string;
  inserted_at: Date | string;
  updated_at: Date | string;
  disabled: boolean | number;
  tokens_valid_after: Date | string | null;
  workspaces: string[] | string | null;
}

const COLUMNS =
  'u.id, u.first_name, u.last_name, u.username, u.role, u.api_key, u.password_hash, u.inserted_at, u.updated_at, ' +
  'u.disabled, u.tokens_valid_after';

/** The names of the user's workspaces, as an array (PostgreSQL) or a JSON array (SQLite). */
function workspacesColumn(engine: 'postgres' | 'sqlite'): string {
  return engine === 'postgres'
    ? `COALESCE((SELECT array_agg(w.name ORDER BY m.inserted_at) FROM workspaces_users m
         JOIN workspaces w ON w.id = m.workspace_id WHERE m.user_id = u.id), '{}') AS workspaces`
    : `(SELECT json_group_array(name) FROM (SELECT w.name FROM workspaces_users m
         JOIN workspaces w ON w.id = m.workspace_id WHERE m.user_id = u.id ORDER BY m.inserted_at)) AS workspaces`;
}

function toUserWithWorkspaces(row: UserRow): UserWithWorkspaces {
  const user = Object.assign(new User(), {
    id: fromStoredId(row.id),
    firstName: row.first_name,
    lastName: row.last_name,
    username: row.username,
    role: row.role,
    apiKey: row.api_key,
    passwordHash: row.password_hash,
    insertedAt: parseTimestamp(row.inserted_at),
    updatedAt: parseTimestamp(row.updated_at),
    // SQLite answers 0 or 1.
    disabled: Boolean(row.disabled),
    tokensValidAfter: row.tokens_valid_after === null ? null : parseTimestamp(row.tokens_valid_after),
  });
  const workspaces =
    typeof row.workspaces === 'string' ? (JSON.parse(row.workspaces) as string[]) : (row.workspaces ?? []);
  return { user, workspaces };
}

/**
 * The lookups every authenticated request makes: one prepared statement each, by indexed equality, bringing the
 * user's workspaces along (so that `GET /api/me` needs no second query).
 */
export class UserQueries {
  private readonly byApiKey;
  private readonly byUsername;
  private readonly allUsers;
  private readonly allMemberships;
  private readonly hashSamples;

  constructor(database: Database) {
    const select = `SELECT ${COLUMNS}, ${workspacesColumn(database.engine)} FROM users u`;
    this.byApiKey = database.prepared<UserRow>('argilla_user_by_api_key', `${select} WHERE u.api_key = $1`);
    this.byUsername = database.prepared<UserRow>('argilla_user_by_username', `${select} WHERE u.username = $1`);
    // Users imported together share a time: the username keeps their order stable.
    this.allUsers = database.prepared<UserRow>(
      'argilla_all_users',
      `SELECT ${COLUMNS}, NULL AS workspaces FROM users u ORDER BY u.inserted_at, u.username`,
    );
    this.allMemberships = database.prepared<{ user_id: string; name: string }>(
      'argilla_all_memberships',
      `SELECT m.user_id, w.name FROM workspaces_users m JOIN workspaces w ON w.id = m.workspace_id
       ORDER BY m.inserted_at`,
    );
    // Grouped by the hash up to its salt: the first 40 characters stripped of their trailing base64 (the salt's
    // start) leave `$2b$12$` or `$argon2id$v=19$m=19456,p=1,t=2$`, in the same way on both engines.
    this.hashSamples = database.prepared<{ sample: string }>(
      'argilla_password_hash_samples',
      `SELECT MIN(password_hash) AS sample FROM users
       GROUP BY rtrim(substr(password_hash, 1, 40), '${BASE64_CHARACTERS}')`,
    );
  }

  /** One stored hash of each kind (algorithm and parameters) in the users table: one scan, a row per kind. */
  async passwordHashSamples(): Promise<string[]> {
    return (await this.hashSamples([])).map((row) => row.sample);
  }

  /** Every user with its workspaces, oldest first: two queries, whatever the number of users. */
  async list(): Promise<UserWithWorkspaces[]> {
    const [rows, memberships] = await Promise.all([this.allUsers([]), this.allMemberships([])]);
    const names = groupNamesByUser(memberships);
    return rows.map((row) => {
      const { user } = toUserWithWorkspaces(row);
      return { user, workspaces: names.get(user.id) ?? [] };
    });
  }

  async findByApiKey(apiKey: string): Promise<UserWithWorkspaces | null> {
    if (apiKey.includes('\u0000')) return null;
    const [row] = await this.byApiKey([apiKey]);
    return row ? toUserWithWorkspaces(row) : null;
  }

  async findByUsername(username: string): Promise<UserWithWorkspaces | null> {
    // No stored name has a NUL (PostgreSQL text cannot hold one, and validation refuses it): no such user.
    if (username.includes('\u0000')) return null;
    const [row] = await this.byUsername([username]);
    return row ? toUserWithWorkspaces(row) : null;
  }
}

/** Workspace names per user id (as the API shows ids), each list in the order of the rows (membership order). */
export function groupNamesByUser(rows: readonly { user_id: string; name: string }[]): Map<string, string[]> {
  const names = new Map<string, string[]>();
  for (const row of rows) {
    const userId = fromStoredId(row.user_id);
    const list = names.get(userId);
    if (list) list.push(row.name);
    else names.set(userId, [row.name]);
  }
  return names;
}
