// The CLI's build: Nest's default webpack configuration with two packages a command never needs replaced by
// stand-ins (a faster start for every command): the OpenAPI decorators of the shared DTOs
// (src/swagger-decorators.stub.ts) and inquirer, which nest-commander loads eagerly (src/inquirer.stub.ts).
//
// Unlike the server, the CLI bundles its dependencies too (TypeORM, Nest, rxjs, class-validator, pg, …): a command
// starts as a new process every time, and finding, reading and resolving the ~1,100 files of those packages one by
// one cost about half of its start (module loading, not compiling: the compile cache of src/launcher.ts covers
// that). One file loads in about half the CPU time. Left outside, and loaded from node_modules as before:
const EXTERNAL = [
  // native addons (their binaries are found from their own folder);
  'argon2',
  'better-sqlite3',
  'pg-native',
  // what a command never loads, or only on a path where the start does not matter: nest-commander's config file
  // reader (cosmiconfig, which can load TypeScript and Prettier) and shell completion, and the HTTP platform, which
  // Nest asks for only to build a web application.
  'cosmiconfig',
  '@fig/complete-commander',
  '@nestjs/platform-express',
  'express',
  'typescript',
  'prettier',
];
const path = require('node:path');

const REPLACED = [
  [/^@nestjs\/swagger$/, 'src/swagger-decorators.stub.ts'],
  [/^inquirer$/, 'src/inquirer.stub.ts'],
];
const EXTERNAL_REQUEST = new RegExp(`^(${EXTERNAL.map((name) => name.replace(/[/.]/g, '\\$&')).join('|')})(/|$)`);

/**
 * Bundles every package it can resolve; keeps a `require()` of the listed ones, and of the ones that are not
 * installed: TypeORM names the drivers of every database it supports (mysql, oracledb, …) and loads only the one
 * the settings ask for, pg its optional native binding.
 */
function external({ context, request }, callback) {
  if (!request || request.startsWith('.') || path.isAbsolute(request) || request.startsWith('@argilla/')) {
    return callback();
  }
  if (EXTERNAL_REQUEST.test(request)) return callback(null, `commonjs ${request}`);
  try {
    require.resolve(request, { paths: [context] });
  } catch {
    return callback(null, `commonjs ${request}`);
  }
  return callback();
}

module.exports = (options, webpack) => ({
  ...options,
  // main.js installs the compile cache (src/launcher.ts), then loads the commands from cli.js next to it.
  entry: { main: path.resolve(__dirname, 'src/launcher.ts'), cli: options.entry },
  output: { ...options.output, filename: options.output.filename.replace(/main\.js$/, '[name].js') },
  externals: [external],
  // One file: the few `import()` of the bundled packages (and of the commands) are bundled in it, not split off.
  module: { ...options.module, parser: { javascript: { dynamicImportMode: 'eager' } } },
  plugins: [
    ...options.plugins,
    ...REPLACED.map(
      ([request, stub]) => new webpack.NormalModuleReplacementPlugin(request, path.resolve(__dirname, stub)),
    ),
  ],
});
