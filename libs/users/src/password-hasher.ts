import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Injectable } from '@nestjs/common';
import { Semaphore } from '@argilla/common';
import * as argon2 from 'argon2';
import * as bcrypt from 'bcryptjs';

/**
 * argon2id at the OWASP Password Storage Cheat Sheet's first recommendation (m = 19 MiB, t = 2, p = 1).
 * argon2 hashes in libuv's thread pool, off the event loop.
 */
export const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

const BCRYPT_PREFIX = /^\$2[aby]\$/;

/**
 * Hashing is bounded to one at a time per core: a storm of logins queues here instead of exhausting memory
 * (19 MiB each) or the thread pool that the database driver and file system also use.
 */
const HASHING_SLOTS = Math.max(1, availableParallelism());

@Injectable()
export class PasswordHasher {
  private dummyHash: Promise<string> | undefined;
  private readonly slots = new Semaphore(HASHING_SLOTS);

  hash(password: string): Promise<string> {
    return this.slots.run(() => argon2.hash(password, ARGON2_OPTIONS));
  }

  /** Verifies argon2 hashes and legacy bcrypt ones (`$2a$`, `$2b$`, `$2y$`, as Argilla's users files hold). */
  async verify(hash: string, password: string): Promise<boolean> {
    try {
      if (BCRYPT_PREFIX.test(hash)) return await this.slots.run(() => bcrypt.compare(password, hash));
      if (hash.startsWith('$argon2')) return await this.slots.run(() => argon2.verify(hash, password));
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
    this.dummyHash ??= this.hash(`dummy-${randomBytes(16).toString('hex')}`);
    const dummy = await this.dummyHash;
    await this.slots.run(() => argon2.verify(dummy, password)).catch(() => false);
  }
}
