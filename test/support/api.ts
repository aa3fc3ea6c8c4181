import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { UsersService, UserWithWorkspaces } from '@argilla/users';
import { DataSource } from 'typeorm';
import { UserRole } from '@argilla/database';
import { ArgillaClient, createArgillaClient } from '@argilla/client';
import { freePort, startApp } from './server';
import { createMigratedDatabase, Engine, TestDatabase } from './test-database';

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
export const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/;

export function api(app: NestExpressApplication) {
  return request(app.getHttpServer());
}

/**
 * Makes the app listen on a free port of 127.0.0.1 too (supertest's `api(app)` keeps working) and answers a maker of
 * typed clients for it (libs/client), one for each set of credentials: `clientFor({ 'X-Argilla-Api-Key': key })`.
 */
export async function listenForClients(
  app: NestExpressApplication,
): Promise<(headers?: Record<string, string>) => ArgillaClient> {
  const port = await freePort();
  await app.listen(port, '127.0.0.1');
  const baseUrl = `http://127.0.0.1:${port}`;
  return (headers = {}) => createArgillaClient({ baseUrl, headers });
}

/** A typed client call's status and parsed body (its `data` or its `error`), to compare both in one `toEqual`. */
export async function answer(
  call: Promise<{ data?: unknown; error?: unknown; response: Response }>,
): Promise<{ status: number; body: unknown }> {
  const { data, error, response } = await call;
  return { status: response.status, body: response.ok ? data : error };
}

/** A well-formed id that no row has. */
export const MISSING_ID = '00000000-0000-4000-8000-000000000000';

export interface ApiSuite {
  db: TestDatabase;
  app: NestExpressApplication;
  /** A separate connection, for assertions on the rows. */
  dataSource: DataSource;
  close(): Promise<void>;
}

/** A fresh database migrated to head and the real app on it, signing tokens with TEST_SECRET; `env` adds settings. */
export async function openApiSuite(engine: Engine, env: Record<string, string> = {}): Promise<ApiSuite> {
  const { db, dataSource } = await createMigratedDatabase(engine);
  Object.assign(db.env, { ARGILLA_LOCAL_AUTH_SECRET_KEY: TEST_SECRET }, env);
  const suite: ApiSuite = {
    db,
    app: await startApp(db.settings),
    dataSource,
    close: async () => {
      await suite.app.close();
      await db.drop();
    },
  };
  return suite;
}
