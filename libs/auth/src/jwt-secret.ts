import { randomBytes } from 'node:crypto';
import { chmodSync, linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makePrivateDirectory } from '@argilla/common';

export const SECRET_FILE_NAME = '.jwt_secret';

/**
 * The JWT signing secret: the configured one, or one generated once (64 random bytes) and kept in
 * `<home>/.jwt_secret` with mode 0600. Never a constant. `warn` is told when the generated one is used.
 */
export function resolveJwtSecret(
  configured: string | undefined,
  homePath: string,
  warn: (message: string) => void,
): string {
  if (configured) return configured;
  const file = join(homePath, SECRET_FILE_NAME);
  let secret: string;
  try {
    secret = readFileSync(file, 'utf8').trim();
  } catch {
    makePrivateDirectory(homePath, warn);
    // Written whole under a temporary name, then linked into place: a process starting at the same moment
    // either finds no file or a complete one, and if another process won the race, its secret is used.
    const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    writeFileSync(temporary, randomBytes(64).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
    try {
      linkSync(temporary, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      unlinkSync(temporary);
    }
    secret = readFileSync(file, 'utf8').trim();
  }
  chmodSync(file, 0o600);
  if (secret.length < 32) throw new Error(`${file} holds no usable secret: delete it to generate a new one`);
  warn(
    `ARGILLA_LOCAL_AUTH_SECRET_KEY is not set: signing tokens with the generated secret in ${file}. ` +
      'Set ARGILLA_LOCAL_AUTH_SECRET_KEY (the same value on every replica) in production.',
  );
  return secret;
}
