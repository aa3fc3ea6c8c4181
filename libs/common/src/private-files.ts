import { chmodSync, closeSync, constants, lstatSync, mkdirSync, openSync, Stats } from 'node:fs';
import { dirname } from 'node:path';

/** Owner only: the home folder when this process creates it. */
export const PRIVATE_DIRECTORY_MODE = 0o700;
/** Owner only: the SQLite database files (they hold every API key) and the generated JWT secret. */
export const PRIVATE_FILE_MODE = 0o600;

/** What SQLite writes next to a database: the write-ahead log, its shared-memory index, the rollback journal. */
export const SQLITE_COMPANION_SUFFIXES = ['-wal', '-shm', '-journal'] as const;

/** The sticky bit: in such a folder (like /tmp) only a file's owner may remove or rename it. */
const STICKY_BIT = 0o1000;

const octal = (mode: number): string => '0' + (mode & 0o777).toString(8);

function statOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** The process's user id; undefined where there is none (Windows, where modes mean little). */
const currentUid = (): number | undefined => process.getuid?.();

/**
 * Makes `path` (and any missing parent) a folder only this user can enter, 0700 whatever the umask. A folder that
 * already exists was made by someone on purpose (a Docker volume, a shared data disk) and is left as it is: the
 * files in it are private on their own. Only when others can write to it does `warn` say so, since they could
 * then remove or replace the database.
 */
export function makePrivateDirectory(path: string, warn: (message: string) => void = () => undefined): void {
  const first = mkdirSync(path, { recursive: true, mode: PRIVATE_DIRECTORY_MODE });
  if (first !== undefined) {
    // mkdir applies the umask; a folder this process made is exactly 0700 (its new parents too).
    for (let folder = path; ; folder = dirname(folder)) {
      chmodSync(folder, PRIVATE_DIRECTORY_MODE);
      if (folder === first || dirname(folder) === folder) break;
    }
    return;
  }
  const stats = lstatSync(path);
  if ((stats.mode & 0o022) !== 0 && (stats.mode & STICKY_BIT) === 0) {
    warn(
      `${path} (mode ${octal(stats.mode)}) can be written by other users, who could remove or replace the ` +
        `database in it: consider 'chmod go-w ${path}'.`,
    );
  }
}

/**
 * Makes the files of the SQLite database at `path` readable and writable by this user only, before SQLite opens it.
 *
 * SQLite creates the `-wal`, `-shm` and `-journal` files itself, lazily (on the first read in WAL mode, again after
 * the last connection closed and removed them), from any process that opens the database: this server, the CLI,
 * Argilla, the `sqlite3` shell. Its Unix VFS gives each the permissions of the database file, whatever that
 * process's umask. So the database file is created first, empty (which SQLite reads as a new database), with mode
 * 0600, and every companion file follows from it, whoever creates it later. A umask set around opening would be
 * process-wide, racing any other file the process writes meanwhile, and would cover only the files created within
 * that window.
 *
 * Files an older version left looser (0644) and that this user owns are tightened to 0600, and `warn` says so; a
 * file of another user is left alone (only its owner, or root, may change it), with a warning.
 */
export function preparePrivateSqliteFiles(
  path: string,
  warn: (message: string) => void = () => undefined,
  uid: number | undefined = currentUid(),
): void {
  makePrivateDirectory(dirname(path), warn);
  try {
    closeSync(openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, PRIVATE_FILE_MODE));
    // The umask may have taken bits away from 0600 (0400 would be a read-only database).
    chmodSync(path, PRIVATE_FILE_MODE);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  if (uid === undefined) return;
  for (const file of [path, ...SQLITE_COMPANION_SUFFIXES.map((suffix) => path + suffix)]) {
    const stats = statOrUndefined(file);
    if (!stats?.isFile() || (stats.mode & 0o077) === 0) continue;
    if (stats.uid !== uid) {
      warn(
        `${file} (mode ${octal(stats.mode)}) can be read by other users and holds API keys, but belongs to ` +
          `another user (uid ${stats.uid}): its owner should run 'chmod 600 ${file}'.`,
      );
      continue;
    }
    chmodSync(file, PRIVATE_FILE_MODE);
    warn(`${file} could be read by other users (mode ${octal(stats.mode)}) and holds API keys: changed to 0600.`);
  }
}
