// `npm run openapi:client` (and the end of `npm run openapi`): writes the client's types, libs/client/src/schema.d.ts,
// from the committed openapi.json. `write-client-types.ts <document> <target>` reads and writes elsewhere (the drift
// test in test/server.e2e-spec.ts compares what it writes with the committed file).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import openapiTS, { astToString } from 'openapi-typescript';

const HEADER = `// Generated from openapi.json by \`npm run openapi\` (openapi-typescript): do not edit by hand.
// Used through \`createArgillaClient\` (libs/client/src/index.ts).

`;

async function main(): Promise<void> {
  const [source, target] = [
    process.argv[2] ?? join(__dirname, '..', 'openapi.json'),
    process.argv[3] ?? join(__dirname, '..', 'libs', 'client', 'src', 'schema.d.ts'),
  ];
  const document: unknown = JSON.parse(readFileSync(source, 'utf8'));
  // A field with a default may be left out of a request: it stays optional.
  const ast = await openapiTS(document as Parameters<typeof openapiTS>[0], { defaultNonNullable: false });
  writeFileSync(target, HEADER + astToString(ast));
  process.stdout.write(`Wrote ${target}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
