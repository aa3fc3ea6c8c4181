import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makePrivateDirectory, preparePrivateSqliteFiles } from './private-files';

const modeOf = (path: string): number => statSync(path).mode & 0o7777;

describe('private files', () => {
  let root: string;
  let umask: number;
  let warnings: string[];
  const warn = (message: string) => warnings.push(message);

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'argilla-private-'));
    warnings = [];
    // The usual default, under which files were 0644 and folders 0755.
    umask = process.umask(0o022);
  });

  afterEach(() => {
    process.umask(umask);
    rmSync(root, { recursive: true, force: true });
  });

  describe('makePrivateDirectory', () => {
    it('creates a missing folder and its missing parents 0700, whatever the umask', () => {
      chmodSync(root, 0o755);
      process.umask(0o000);
      makePrivateDirectory(join(root, 'a', 'b'), warn);
      // The existing parent is not touched.
      expect([root, join(root, 'a'), join(root, 'a', 'b')].map(modeOf)).toEqual([0o755, 0o700, 0o700]);
      expect(warnings).toEqual([]);
    });

    it('leaves a folder the user made as it is, silently when only its owner can write to it', () => {
      const home = join(root, 'home');
      mkdirSync(home);
      chmodSync(home, 0o755);
      makePrivateDirectory(home, warn);
      expect(modeOf(home)).toBe(0o755);
      expect(warnings).toEqual([]);
    });

    it('warns about an existing folder others can write to, without changing it', () => {
      const home = join(root, 'home');
      mkdirSync(home);
      chmodSync(home, 0o777);
      makePrivateDirectory(home, warn);
      expect(modeOf(home)).toBe(0o777);
      expect(warnings).toEqual([
        `${home} (mode 0777) can be written by other users, who could remove or replace the database in it: ` +
          `consider 'chmod go-w ${home}'.`,
      ]);
    });

    it('says nothing of a sticky folder such as /tmp', () => {
      const shared = join(root, 'shared');
      mkdirSync(shared);
      chmodSync(shared, 0o1777);
      makePrivateDirectory(shared, warn);
      expect(warnings).toEqual([]);
    });
  });

  describe('preparePrivateSqliteFiles', () => {
    it('creates the folder 0700 and an empty database file 0600, whatever the umask', () => {
      process.umask(0o000);
      const path = join(root, 'home', 'argilla.db');
      preparePrivateSqliteFiles(path, warn);
      expect([modeOf(join(root, 'home')), modeOf(path), statSync(path).size]).toEqual([0o700, 0o600, 0]);
      expect(warnings).toEqual([]);
    });

    it('tightens the database and its companion files of an older version to 0600, and says so', () => {
      const path = join(root, 'argilla.db');
      for (const file of [path, `${path}-wal`, `${path}-shm`, `${path}-journal`]) {
        writeFileSync(file, 'x', { mode: 0o644 });
      }
      chmodSync(`${path}-journal`, 0o600);
      preparePrivateSqliteFiles(path, warn);
      expect(readdirSync(root).map((file) => [file, modeOf(join(root, file))])).toEqual([
        ['argilla.db', 0o600],
        ['argilla.db-journal', 0o600],
        ['argilla.db-shm', 0o600],
        ['argilla.db-wal', 0o600],
      ]);
      expect(warnings).toEqual(
        ['', '-wal', '-shm'].map(
          (suffix) => `${path}${suffix} could be read by other users (mode 0644) and holds API keys: changed to 0600.`,
        ),
      );
    });

    it('leaves a database file of another user as it is, and warns', () => {
      const path = join(root, 'argilla.db');
      writeFileSync(path, 'x', { mode: 0o644 });
      const otherUid = statSync(path).uid + 1;
      preparePrivateSqliteFiles(path, warn, otherUid);
      expect(modeOf(path)).toBe(0o644);
      expect(warnings).toEqual([
        `${path} (mode 0644) can be read by other users and holds API keys, but belongs to another user ` +
          `(uid ${statSync(path).uid}): its owner should run 'chmod 600 ${path}'.`,
      ]);
    });

    it('leaves a private database file and its contents untouched', () => {
      const path = join(root, 'argilla.db');
      writeFileSync(path, 'contents', { mode: 0o600 });
      preparePrivateSqliteFiles(path, warn);
      expect([modeOf(path), statSync(path).size, warnings]).toEqual([0o600, 8, []]);
    });
  });
});
