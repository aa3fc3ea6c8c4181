import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
const COMPILE_CACHE = join(__dirname, 'compile-cache.ts');

/** Runs `node`, installing the cache at `cacheFile`, then requiring `main`; its output and exit code. */
function run(cacheFile: string, main: string): { code: number | null; stdout: string; stderr: string } {
  const script =
    `require(${JSON.stringify(COMPILE_CACHE)}).installCompileCache(${JSON.stringify(cacheFile)});` +
    `require(${JSON.stringify(main)});`;
  const result = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('the CLI compile cache', () => {
  let dir: string;
  let cacheFile: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'compile-cache-'));
    cacheFile = join(dir, 'cache', 'v.bin');
    // A module graph that uses what Node gives a module: relative require, require.resolve, __dirname, exports.
    writeFileSync(join(dir, 'lib.js'), "exports.word = 'alpha';\n");
    writeFileSync(
      join(dir, 'main.js'),
      [
        "const lib = require('./lib');",
        "const path = require('node:path');",
        "console.log(lib.word, path.basename(require.resolve('./lib')), path.basename(__dirname) === path.basename(" +
          JSON.stringify(dir) +
          '), module.exports === exports);',
      ].join('\n'),
    );
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes the cache on the first run, and reads it without writing again on the next', () => {
    expect(run(cacheFile, join(dir, 'main.js'))).toEqual({ code: 0, stdout: 'alpha lib.js true true\n', stderr: '' });
    expect(existsSync(cacheFile)).toBe(true);
    const written = statSync(cacheFile).mtimeMs;
    expect(run(cacheFile, join(dir, 'main.js'))).toEqual({ code: 0, stdout: 'alpha lib.js true true\n', stderr: '' });
    // Every module came from the cache: nothing was compiled, so nothing was written.
    expect(statSync(cacheFile).mtimeMs).toBe(written);
  });

  it('compiles a changed module afresh, even when its length did not change', () => {
    run(cacheFile, join(dir, 'main.js'));
    writeFileSync(join(dir, 'lib.js'), "exports.word = 'omega';\n");
    expect(run(cacheFile, join(dir, 'main.js')).stdout).toBe('omega lib.js true true\n');
    expect(run(cacheFile, join(dir, 'main.js')).stdout).toBe('omega lib.js true true\n');
  });

  it('reports a syntax error as Node does', () => {
    writeFileSync(join(dir, 'lib.js'), 'exports.word = ;\n');
    const result = run(cacheFile, join(dir, 'main.js'));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('SyntaxError: Unexpected token');
    expect(result.stderr).toContain(join(dir, 'lib.js'));
  });

  it('works without a writable cache folder, and ignores a damaged cache file', () => {
    // Its folder cannot be made: a file stands in the way.
    expect(run(join(dir, 'lib.js', 'v.bin'), join(dir, 'main.js'))).toEqual({
      code: 0,
      stdout: 'alpha lib.js true true\n',
      stderr: '',
    });
    writeFileSync(join(dir, 'damaged.bin'), 'not a cache');
    expect(run(join(dir, 'damaged.bin'), join(dir, 'main.js'))).toEqual({
      code: 0,
      stdout: 'alpha lib.js true true\n',
      stderr: '',
    });
  });
});
