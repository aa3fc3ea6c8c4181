import * as nodeModule from 'node:module';
import { join } from 'node:path';

declare const __non_webpack_require__: NodeJS.Require;

// The CLI's entry point: first Node's compile cache (V8's compiled code of every module loaded after this line,
// kept in `.compile-cache` next to this file, as Python keeps `__pycache__`: a command then starts without compiling
// its ~1,100 modules again; Node keys the entries by its version and each file's content, and writes them at exit
// when the folder is writable, never required), then the commands, from cli.js, so that the cache covers them.
// Node older than 22.1 has no compile cache (the project needs 22.12 or later: package.json's engines): it is skipped
// there, so the CLI still starts, more slowly, instead of failing before it can say anything.
if (typeof nodeModule.enableCompileCache === 'function')
  nodeModule.enableCompileCache(join(__dirname, '.compile-cache'));
__non_webpack_require__('./cli.js');
