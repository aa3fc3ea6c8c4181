import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { UsersService, UserWithWorkspaces } from '@argilla/users';
import { UserRole } from '@argilla/database';

/** The JWT secret the API suites run with (so that they can forge tokens to test their refusal). */
export const TEST_SECRET = 'test-secret-0123456789abcdef0123456789abcdef';

export interface SeedUser {
  username: string;
  role?: UserRole;
  password?: string;
  apiKey?: string;
  workspaces?: string[];
  firstName?: string;
  lastName?: string | null;
}

/** Creates a user through the real service (hashing, workspaces, memberships). */
export async function seedUser(app: NestExpressApplication, seed: SeedUser): Promise<UserWithWorkspaces> {
  return app.get(UsersService).create({
    firstName: seed.firstName ?? seed.username,
    lastName: seed.lastName ?? null,
    username: seed.username,
    role: seed.role ?? 'annotator',
    password: seed.password ?? 'password-1234',
    apiKey: seed.apiKey ?? `${seed.username}.apikey`,
    workspaces: seed.workspaces ?? [],
  });
}

export const envelope = (name: string, params: Record<string, unknown>) => ({
  detail: { code: `argilla.api.errors::${name}`, params },
});

export const UNAUTHORIZED = envelope('UnauthorizedError', { detail: 'Could not validate credentials' });
export const FORBIDDEN = envelope('ForbiddenOperationError', { detail: 'Operation not allowed' });
export const notFound = (name: string, type: 'User' | 'Workspace') => envelope('EntityNotFoundError', { name, type });
export const alreadyExists = (name: string, type: 'User' | 'Workspace') =>
  envelope('EntityAlreadyExistsError', { name, type });
export const invalid = (...errors: unknown[]) => envelope('ValidationError', { model: 'Request', errors });

/** Argilla's timestamp shape. */
export const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}000$/;

export function api(app: NestExpressApplication) {
  return request(app.getHttpServer());
}
