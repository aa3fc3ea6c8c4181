import { enableCompileCache } from 'node:module';
import { join } from 'node:path';

declare const __non_webpack_require__: NodeJS.Require;

// The CLI's entry point: first Node's compile cache (V8's compiled code of every module loaded after this line,
// kept in `.compile-cache` next to this file, as Python keeps `__pycache__`: a command then starts without compiling
// its ~1,100 modules again; Node keys the entries by its version and each file's content, and writes them at exit
// when the folder is writable, never required), then the commands, from cli.js, so that the cache covers them.
enableCompileCache(join(__dirname, '.compile-cache'));
__non_webpack_require__('./cli.js');
