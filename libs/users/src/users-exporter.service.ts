import { Injectable } from '@nestjs/common';
import type { dump as yamlDump } from 'js-yaml';
import { Database } from '@argilla/database';
import { workspacesColumn } from './users.repository';

/** One user as `users export` writes it: the users file's fields, with the role and names spelled out. */
export interface ExportedUser {
  username: string;
  first_name: string;
  last_name?: string;
  role: string;
  api_key: string;
  hashed_password: string;
  workspaces: string[];
  disabled: boolean;
  /** Identities at OpenID providers (single sign-on), when the user has any. */
  identities?: { provider: string; subject: string; email?: string }[];
  /** Of `workspaces`, those each provider's claims granted, when any. */
  provider_workspaces?: Record<string, string[]>;
}

/** What an export holds, known before its first user is written (for the file's header). */
export interface UsersExportSummary {
  users: number;
  workspaces: number;
}

/** Users written at a time: the memory of an export is one chunk, whatever the number of users. */
const EXPORT_CHUNK = 2_000;

interface ExportRow {
  username: string;
  first_name: string;
  last_name: string | null;
  role: string;
  api_key: string;
  password_hash: string;
  disabled: boolean | number;
  /** An array (PostgreSQL), or a JSON array (SQLite). */
  workspaces: string[] | string | null;
  /** Each identity as {provider, subject, email}: JSON (parsed by `pg`, text on SQLite), null when none. */
  identities: { provider: string; subject: string; email: string | null }[] | string | null;
  /** [provider, workspace] pairs, in the order of the memberships, then of the names; null when none. */
  provider_workspaces: [string, string][] | string | null;
}

/**
 * The statement of an export: every user with its workspaces, identities and provider-granted workspaces, by
 * username in the byte order of its UTF-8 (code point order, the same on both engines: `COLLATE "C"` on
 * PostgreSQL, SQLite's default BINARY), so that two exports of the same data are the same file.
 */
function exportStatement(engine: 'postgres' | 'sqlite'): string {
  const postgres = engine === 'postgres';
  const identities = postgres
    ? `(SELECT json_agg(json_build_object('provider', i.provider, 'subject', i.subject, 'email', i.email)
         ORDER BY i.created_at, i.provider, i.subject) FROM oauth_identities i WHERE i.user_id = u.id)`
    : `(SELECT json_group_array(json_object('provider', provider, 'subject', subject, 'email', email)) FROM
         (SELECT i.provider, i.subject, i.email FROM oauth_identities i WHERE i.user_id = u.id
          ORDER BY i.created_at, i.provider, i.subject))`;
  const granted = `FROM workspaces_users m JOIN oauth_memberships mark ON mark.membership_id = m.id
    JOIN workspaces w ON w.id = m.workspace_id WHERE m.user_id = u.id`;
  const providerWorkspaces = postgres
    ? `(SELECT json_agg(json_build_array(mark.provider, w.name) ORDER BY m.inserted_at, w.name) ${granted})`
    : `(SELECT json_group_array(json_array(provider, name)) FROM
         (SELECT mark.provider, w.name ${granted} ORDER BY m.inserted_at, w.name))`;
  return (
    `SELECT u.username, u.first_name, u.last_name, u.role, u.api_key, u.password_hash, u.disabled, ` +
    `${workspacesColumn(engine)}, ${identities} AS identities, ${providerWorkspaces} AS provider_workspaces ` +
    `FROM users u ORDER BY u.username${postgres ? ' COLLATE "C"' : ''}`
  );
}

function parsed<T>(value: T | string | null): T | null {
  return typeof value === 'string' ? (JSON.parse(value) as T) : value;
}

function toExportedUser(row: ExportRow): ExportedUser {
  const identities = parsed(row.identities) ?? [];
  const granted = parsed(row.provider_workspaces) ?? [];
  const byProvider = new Map<string, string[]>();
  for (const [provider, workspace] of granted)
    byProvider.set(provider, [...(byProvider.get(provider) ?? []), workspace]);
  return {
    username: row.username,
    first_name: row.first_name,
    ...(row.last_name !== null ? { last_name: row.last_name } : {}),
    role: row.role,
    api_key: row.api_key,
    hashed_password: row.password_hash,
    workspaces: parsed(row.workspaces) ?? [],
    // SQLite answers 0 or 1.
    disabled: Boolean(row.disabled),
    ...(identities.length > 0
      ? {
          identities: identities.map(({ provider, subject, email }) => ({
            provider,
            subject,
            ...(email !== null ? { email } : {}),
          })),
        }
      : {}),
    ...(byProvider.size > 0 ? { provider_workspaces: Object.fromEntries(byProvider) } : {}),
  };
}

/**
 * The YAML of a users file, built a chunk of users at a time, the same text as the whole document dumped at once
 * (`lineWidth: -1`, `noRefs`): Argilla's list of users, or, when some workspaces have no member, a mapping with
 * `workspaces` (those) and `users` (the list), which `users migrate` reads too.
 */
export class UsersFileYaml {
  private written = 0;

  constructor(
    private readonly dump: typeof yamlDump,
    private readonly emptyWorkspaces: string[],
  ) {}

  /** The text of the next users (a block sequence, or the rest of the mapping's `users` entry). */
  users(chunk: ExportedUser[]): string {
    if (chunk.length === 0) return '';
    const first = this.written === 0;
    this.written += chunk.length;
    if (this.emptyWorkspaces.length === 0) return this.yaml(chunk);
    if (first) return this.yaml({ workspaces: this.emptyWorkspaces, users: chunk });
    // The mapping's `users:` key was written with the first chunk: the rest of the sequence, indented under it.
    return this.yaml({ users: chunk }).slice('users:\n'.length);
  }

  /** What ends the document: the whole of it when no user was written. */
  end(): string {
    if (this.written > 0) return '';
    return this.yaml(this.emptyWorkspaces.length === 0 ? [] : { workspaces: this.emptyWorkspaces, users: [] });
  }

  private yaml(value: unknown): string {
    return this.dump(value, { lineWidth: -1, noRefs: true });
  }
}

/**
 * Writes every user, workspace and membership as a users file. Each entry carries `role`, so that `users migrate`
 * takes it literally: the same role, names and workspaces, in the same order. Read in one snapshot (PostgreSQL)
 * and written a chunk of users at a time, each after the previous one was taken by `write`: the memory stays at
 * one chunk whatever the number of users.
 */
@Injectable()
export class UsersExporter {
  constructor(private readonly database: Database) {}

  /**
   * Hands the file's text to `write`, in order: `header(summary)` made into YAML comments, then the users. Returns
   * the summary.
   */
  async export(
    write: (text: string) => void | Promise<void>,
    header: (summary: UsersExportSummary) => string,
  ): Promise<UsersExportSummary> {
    const { dump } = await import('js-yaml');
    const engine = this.database.engine;
    const byName = `ORDER BY w.name${engine === 'postgres' ? ' COLLATE "C"' : ''}`;
    return this.database.readSnapshot(async (reader) => {
      const [counts] = await reader.all<{ users: string | number; workspaces: string | number }>(
        'SELECT (SELECT COUNT(*) FROM users) AS users, (SELECT COUNT(*) FROM workspaces) AS workspaces',
      );
      const summary = { users: Number(counts.users), workspaces: Number(counts.workspaces) };
      // Workspaces nobody belongs to: they would be lost otherwise.
      const empty = await reader.all<{ name: string }>(
        `SELECT w.name FROM workspaces w WHERE NOT EXISTS
           (SELECT 1 FROM workspaces_users m WHERE m.workspace_id = w.id) ${byName}`,
      );
      const yaml = new UsersFileYaml(
        dump,
        empty.map((row) => row.name),
      );
      await write(
        header(summary)
          .split('\n')
          .map((line) => `# ${line}\n`)
          .join(''),
      );
      await reader.chunks<ExportRow>(exportStatement(engine), EXPORT_CHUNK, (rows) =>
        write(yaml.users(rows.map(toExportedUser))),
      );
      await write(yaml.end());
      return summary;
    });
  }
}
