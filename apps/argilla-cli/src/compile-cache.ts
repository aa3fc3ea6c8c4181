import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { dirname } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { constants as vmConstants, Script } from 'node:vm';

/** One module's compiled code, valid for exactly the source it was made from. */
interface CacheEntry {
  sourceHash: string;
  data: Buffer;
}

type Compile = (this: NodeModule, content: string, filename: string) => unknown;

interface ModuleInternals {
  prototype: { _compile: Compile; require(id: string): unknown };
  wrap(content: string): string;
  _resolveFilename(request: string, parent: NodeModule, isMain: boolean, options?: unknown): string;
  _resolveLookupPaths(request: string, parent: NodeModule): string[] | null;
  _extensions: unknown;
  _cache: unknown;
}

const hashOf = (source: string): string => createHash('sha1').update(source).digest('base64');

function readCache(file: string): Map<string, CacheEntry> {
  try {
    const cache: unknown = deserialize(readFileSync(file));
    return cache instanceof Map ? (cache as Map<string, CacheEntry>) : new Map();
  } catch {
    return new Map();
  }
}

/** The `require` Node gives a module: resolves from it, and records what it loads as its children. */
function requireFor(module: NodeModule, internals: ModuleInternals): NodeJS.Require {
  const require = ((id: string) => module.require(id)) as NodeJS.Require;
  const resolve = ((request: string, options?: { paths?: string[] }) =>
    internals._resolveFilename(request, module, false, options)) as NodeJS.RequireResolve;
  resolve.paths = (request: string) => internals._resolveLookupPaths(request, module);
  require.resolve = resolve;
  require.main = process.mainModule;
  require.extensions = internals._extensions as NodeJS.RequireExtensions;
  require.cache = internals._cache as NodeJS.Dict<NodeModule>;
  return require;
}

/**
 * Keeps V8's compiled code of every CommonJS module the CLI loads in one file, as Python keeps `__pycache__`: a
 * command then starts without compiling its ~1,100 modules again. An entry is used only for the exact source it was
 * made from (a SHA-1 of the text: a changed dependency is compiled afresh), and V8 itself refuses data from another
 * V8 version. The file is written at exit when something was compiled, if the folder is writable (never required:
 * without it the CLI only starts slower). Not installed where Node lacks what it needs.
 */
export function installCompileCache(file: string): void {
  const internals = Module as unknown as ModuleInternals;
  const loader = vmConstants?.USE_MAIN_CONTEXT_DEFAULT_LOADER;
  if (loader === undefined || typeof internals.prototype._compile !== 'function') return;
  const cache = readCache(file);
  const compiled = new Map<string, { sourceHash: string; script: Script }>();
  const original = internals.prototype._compile;

  internals.prototype._compile = function (this: NodeModule, content: string, filename: string): unknown {
    if (typeof content !== 'string' || !/\.c?js$/.test(filename)) return original.call(this, content, filename);
    const sourceHash = hashOf(content);
    const entry = cache.get(filename);
    const cachedData = entry?.sourceHash === sourceHash ? entry.data : undefined;
    let script: Script;
    try {
      script = new Script(internals.wrap(content), { filename, cachedData, importModuleDynamically: loader });
    } catch {
      // Let Node report the syntax error as it does.
      return original.call(this, content, filename);
    }
    if (!cachedData || script.cachedDataRejected) compiled.set(filename, { sourceHash, script });
    const wrapper = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown;
    return wrapper.call(this.exports, this.exports, requireFor(this, internals), this, filename, dirname(filename));
  };

  process.once('exit', () => {
    if (compiled.size === 0) return;
    // After the command ran, so that the functions it compiled on the way are in the data too.
    for (const [filename, { sourceHash, script }] of compiled) {
      cache.set(filename, { sourceHash, data: script.createCachedData() });
    }
    try {
      mkdirSync(dirname(file), { recursive: true });
      // Written aside, then renamed: concurrent commands never read half a file.
      const partial = `${file}.${process.pid}`;
      writeFileSync(partial, serialize(cache));
      renameSync(partial, file);
    } catch {
      // A read-only installation: the next command compiles again.
    }
  });
}
