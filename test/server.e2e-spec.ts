import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { serializeOpenApi } from '../apps/argilla-server/src/openapi-document';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { MigrationRunner } from '@argilla/database';
import { runCli } from './support/cli';
import { freePort, spawnServer, startApp } from './support/server';
import { engines, TestDatabase } from './support/test-database';
import { REFUSED_SECURITY_SETTINGS } from './support/refused-settings';

const execFileAsync = promisify(execFile);
const WRITE_CLIENT_TYPES = join(__dirname, '..', 'scripts', 'write-client-types.ts');

describe.each(engines())('server basics (%s)', (engine) => {
  let db: TestDatabase;
  let app: NestExpressApplication;

  beforeAll(async () => {
    db = await TestDatabase.create(engine);
    await new MigrationRunner(await db.connect()).migrate('head');
    app = await startApp(db.settings);
  });

  afterAll(async () => {
    await app?.close();
    await db.drop();
  });

  it('GET /api/_info answers the version', async () => {
    const response = await request(app.getHttpServer()).get('/api/_info').expect(200);
    expect(response.body).toEqual({ version: '1.8.0' });
    expect(response.headers['x-powered-by']).toBeUndefined();
  });

  it('GET /api/_status answers the version, the database and the memory in use', async () => {
    const response = await request(app.getHttpServer()).get('/api/_status').expect(200);
    expect(response.body).toEqual({
      version: '1.8.0',
      database: { engine: engine === 'postgres' ? 'postgresql' : 'sqlite', status: 'ok' },
      mem_info: { rss: expect.any(Number), heap_used: expect.any(Number) },
    });
    expect(response.body.mem_info.rss).toBeGreaterThan(10 * 1024 * 1024);
  });

  it('serves Swagger UI at /api/docs and the document, with both security schemes, at /api/docs/spec.json', async () => {
    const page = await request(app.getHttpServer()).get('/api/docs').expect(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.text).toContain('swagger-ui');
    const spec = await request(app.getHttpServer()).get('/api/docs/spec.json').expect(200);
    expect(spec.body.components.securitySchemes).toEqual({
      'X-Argilla-Api-Key': { type: 'apiKey', in: 'header', name: 'X-Argilla-Api-Key' },
      bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
    });
    expect(Object.keys(spec.body.paths)).toEqual(expect.arrayContaining(['/api/_info', '/api/_status']));
  });

  it('serves exactly the committed openapi.json (run `npm run openapi` after changing the API)', async () => {
    const spec = await request(app.getHttpServer()).get('/api/docs/spec.json').expect(200);
    const committed = readFileSync(join(__dirname, '..', 'openapi.json'), 'utf8');
    expect(serializeOpenApi(spec.body)).toBe(committed);
  });

  it('answers an unknown route with 404', async () => {
    const response = await request(app.getHttpServer()).get('/api/nothing-here').expect(404);
    expect(response.body).toEqual({ detail: 'Not Found' });
  });

  it('answers a body that is not JSON with a 422 envelope, as Argilla does', async () => {
    const response = await request(app.getHttpServer())
      .post('/api/security/token')
      .set('Content-Type', 'application/json')
      .send('{"name": ')
      .expect(422);
    expect(response.body).toEqual({
      detail: {
        code: 'argilla.api.errors::ValidationError',
        params: {
          model: 'Request',
          errors: [
            { loc: ['body'], msg: 'request body is not valid JSON or form data', type: 'value_error.jsondecode' },
          ],
        },
      },
    });
  });

  it('answers a body over 1 MiB with a 413 envelope', async () => {
    const response = await request(app.getHttpServer())
      .post('/api/security/token')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ name: 'x'.repeat(1024 * 1024 + 1) }))
      .expect(413);
    expect(response.body).toEqual({
      detail: { code: 'argilla.api.errors::PayloadTooLargeError', params: { detail: 'Request body is too large' } },
    });
  });
});

// Once, not per engine: the document does not depend on the database (run `npm run openapi` after changing the API).
describe('the typed client (libs/client)', () => {
  it('has its committed types generated from openapi.json (which the suites above hold to the served document)', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'argilla-client-types-'));
    try {
      writeFileSync(join(folder, 'openapi.json'), readFileSync(join(__dirname, '..', 'openapi.json'), 'utf8'));
      // A process of its own: openapi-typescript loads ES modules that jest's module loader cannot.
      await execFileAsync(
        process.execPath,
        [
          '-r',
          'ts-node/register/transpile-only',
          WRITE_CLIENT_TYPES,
          join(folder, 'openapi.json'),
          join(folder, 'schema.d.ts'),
        ],
        { cwd: join(__dirname, '..') },
      );
      const committed = readFileSync(join(__dirname, '..', 'libs', 'client', 'src', 'schema.d.ts'), 'utf8');
      expect(readFileSync(join(folder, 'schema.d.ts'), 'utf8')).toBe(committed);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('server process', () => {
  let db: TestDatabase;

  beforeEach(async () => {
    db = await TestDatabase.create(engines().includes('postgres') ? 'postgres' : 'sqlite');
  });

  afterEach(async () => {
    await db.drop();
  });

  it('refuses to start on a database that is not at head, naming the command to run', async () => {
    const server = await spawnServer(db.env, await freePort());
    expect(await server.exited).toBe(1);
    expect(server.output()).toContain(
      "The database schema is at no revision (empty database), but this version needs '9c3e5a7b1d24' (head). " +
        "Run 'argilla-cli database migrate' first.",
    );

    expect((await runCli(['database', 'migrate', '-r', '1.7'], db.env)).code).toBe(0);
    expect((await runCli(['database', 'migrate', '-r', '82a5a88a3fa5'], db.env)).code).toBe(0);
    const again = await spawnServer(db.env, await freePort());
    expect(await again.exited).toBe(1);
    expect(again.output()).toContain("The database schema is at revision '82a5a88a3fa5'");
  });

  it('refuses to start on invalid settings, naming the variable', async () => {
    const server = await spawnServer({ ...db.env, ARGILLA_LOCAL_AUTH_ALGORITHM: 'HS512' }, await freePort());
    expect(await server.exited).toBe(1);
    expect(server.output()).toContain(
      "ARGILLA_LOCAL_AUTH_ALGORITHM must be HS256, the only algorithm accepted (got 'HS512')",
    );
  });

  it.each([...REFUSED_SECURITY_SETTINGS])(
    'refuses to start on a migrated database with %j, naming the variable',
    async (env, message) => {
      expect((await runCli(['database', 'migrate'], db.env)).code).toBe(0);
      const server = await spawnServer({ ...db.env, ...env }, await freePort());
      try {
        // spawnServer returns once the server answers or exits: one that answered is still running.
        expect([server.child.exitCode, server.output()]).toEqual([1, expect.stringContaining(message)]);
      } finally {
        if (server.child.exitCode === null) {
          server.child.kill('SIGKILL');
          await server.exited;
        }
      }
    },
  );

  it('serves on the given port once migrated, under ARGILLA_BASE_URL, and exits 0 on SIGTERM', async () => {
    expect((await runCli(['database', 'migrate'], db.env)).code).toBe(0);
    const server = await spawnServer({ ...db.env, ARGILLA_BASE_URL: '/argilla/' }, await freePort());
    try {
      const response = await fetch(`http://127.0.0.1:${server.port}/argilla/api/_info`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ version: '1.8.0' });
      expect((await fetch(`http://127.0.0.1:${server.port}/argilla/api/docs/spec.json`)).status).toBe(200);
    } finally {
      server.child.kill('SIGTERM');
    }
    expect(await server.exited).toBe(0);
    expect(server.output()).toContain('SIGTERM received');
  });
});
