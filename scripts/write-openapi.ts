// `npm run openapi`: writes openapi.json (for client generators) from the server's own document.
import 'reflect-metadata';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSettings } from '@argilla/config';
import { openDataSource, MigrationRunner } from '@argilla/database';
import { createServerApp } from '../apps/argilla-server/src/app';
import { openApiText } from '../apps/argilla-server/src/openapi-document';

async function main(): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'argilla-openapi-'));
  try {
    const settings = loadSettings({
      ARGILLA_HOME_PATH: home,
      ARGILLA_LOCAL_AUTH_SECRET_KEY: 'openapi-generation-only-secret-0000',
    });
    const dataSource = await openDataSource(settings.database);
    await new MigrationRunner(dataSource).migrate('head');
    await dataSource.destroy();
    const app = await createServerApp(settings, { logger: false });
    const target = join(__dirname, '..', 'openapi.json');
    writeFileSync(target, openApiText(app));
    await app.close();
    process.stdout.write(`Wrote ${target}\n`);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

void main();
