import { Injectable } from '@nestjs/common';
import * as argon2 from 'argon2';
import * as bcrypt from 'bcryptjs';

/**
 * argon2id at the OWASP Password Storage Cheat Sheet's first recommendation (m = 19 MiB, t = 2, p = 1).
 * argon2 hashes in libuv's thread pool, off the event loop.
 */
export const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

const BCRYPT_PREFIX = /^\$2[aby]\$/;

@Injectable()
export class PasswordHasher {
  private dummyHash: Promise<string> | undefined;

  hash(password: string): Promise<string> {
    return argon2.hash(password, ARGON2_OPTIONS);
  }

  /** Verifies argon2 hashes and legacy bcrypt ones (`$2a$`, `$2b$`, `$2y$`, as Argilla's users files hold). */
  async verify(hash: string, password: string): Promise<boolean> {
    try {
      if (BCRYPT_PREFIX.test(hash)) return await bcrypt.compare(password, hash);
      if (hash.startsWith('$argon2')) return await argon2.verify(hash, password);
    } catch {
      // A malformed stored hash verifies nothing.
    }
    return false;
  }

  /** True when the hash should be replaced by a fresh argon2id one at the next successful login. */
  needsRehash(hash: string): boolean {
    if (!hash.startsWith('$argon2id$')) return true;
    return argon2.needsRehash(hash, ARGON2_OPTIONS);
  }

  /**
   * Spends the time of one verification without a user to verify, so that an unknown username takes as long
   * to refuse as a wrong password.
   */
  async verifyDummy(password: string): Promise<void> {
    this.dummyHash ??= this.hash(`dummy-${Math.random()}`);
    await argon2.verify(await this.dummyHash, password).catch(() => false);
  }
}
