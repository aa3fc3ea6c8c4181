import { randomUUID } from 'node:crypto';

/** bcrypt (cost 5) of '1234', as in Argilla's own users files. */
export const HASH_1234 = '$2y$05$eaw.j2Kaw8s8vpscVIZMfuqSIX3OLmxA21WjtWicDdn0losQ91Hw.';
export const PASSWORD_1234 = '1234';

export interface GeneratedUser {
  index: number;
  username: string;
  apiKey: string;
  role: 'admin' | 'annotator';
  /** The shared workspaces listed in the file (the import also adds a personal one named after the user). */
  workspaces: string[];
}

export interface UsersFileOptions {
  count: number;
  /** User i is an admin (no `workspaces` key) when i % adminEvery === 0. */
  adminEvery: number;
  /** Shared workspaces `team-0` … `team-<n-1>`. */
  sharedWorkspaces: number;
  /** How many shared workspaces annotator i joins (1 or 2). */
  membershipsOf: (index: number) => number;
}

/** Annotator i joins team-(i % n), then team-((i + 7) % n) when it is in two. */
export function generateUsers(options: UsersFileOptions): GeneratedUser[] {
  const users: GeneratedUser[] = [];
  for (let i = 0; i < options.count; i++) {
    const admin = i % options.adminEvery === 0;
    const workspaces: string[] = [];
    if (!admin) {
      const n = options.sharedWorkspaces;
      workspaces.push(`team-${i % n}`);
      if (options.membershipsOf(i) >= 2 && (i + 7) % n !== i % n) workspaces.push(`team-${(i + 7) % n}`);
    }
    users.push({
      index: i,
      username: `user-${i}`,
      apiKey: randomUUID(),
      role: admin ? 'admin' : 'annotator',
      workspaces,
    });
  }
  return users;
}

/** Argilla's users file format (`.users.yml`): admins have no `workspaces` key, annotators have one. */
export function usersYaml(users: readonly GeneratedUser[]): string {
  const lines: string[] = [];
  for (const user of users) {
    lines.push(`- username: ${user.username}`, `  full_name: User ${user.index}`);
    lines.push(`  email: ${user.username}@example.com`);
    lines.push(`  api_key: ${user.apiKey}`, `  hashed_password: ${HASH_1234}`);
    if (user.role === 'annotator') lines.push(`  workspaces: [${user.workspaces.join(', ')}]`);
  }
  return lines.join('\n') + '\n';
}
