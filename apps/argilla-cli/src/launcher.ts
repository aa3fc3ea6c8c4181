import { join } from 'node:path';
import { installCompileCache } from './compile-cache';

declare const __non_webpack_require__: NodeJS.Require;

// The CLI's entry point: first the compile cache (keyed by the Node version, whose V8 made the data), then the
// commands, from cli.js next to this file, so that the cache covers them too.
installCompileCache(join(__dirname, '.compile-cache', `${process.version}-${process.arch}.bin`));
__non_webpack_require__('./cli.js');
