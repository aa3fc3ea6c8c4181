import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { Semaphore } from '@argilla/common';
import { PasswordHashName, SETTINGS, Settings } from '@argilla/config';
import * as argon2 from 'argon2';
import { BcryptWorkers } from './bcrypt-workers';

/**
 * argon2id at the OWASP Password Storage Cheat Sheet's first recommendation (m = 19 MiB, t = 2, p = 1).
 * argon2 hashes in libuv's thread pool, off the event loop.
 */
export const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** The cost Argilla 1.8 writes (passlib's default), as `$2b$12$`. */
export const BCRYPT_ROUNDS = 12;

const BCRYPT_PREFIX = /^\$2[aby]\$/;

/**
 * Hashing is bounded to one at a time per core: a storm of logins queues here instead of exhausting memory
 * (19 MiB each) or the thread pool that the database driver and file system also use.
 */
const HASHING_SLOTS = Math.max(1, availableParallelism());

/**
 * Hashes new passwords with the algorithm of `ARGILLA_PASSWORD_HASH` and verifies both kinds. bcrypt runs in
 * worker threads (BcryptWorkers), argon2 in libuv's pool: neither on the event loop.
 */
@Injectable()
export class PasswordHasher implements OnModuleDestroy {
  private readonly algorithm: PasswordHashName;
  private dummyHash: Promise<string> | undefined;
  private readonly slots = new Semaphore(HASHING_SLOTS);
  private readonly bcrypt = new BcryptWorkers();

  constructor(@Inject(SETTINGS) settings: Settings) {
    this.algorithm = settings.auth.passwordHash;
  }

  /** argon2id, or bcrypt in the form Argilla 1.8 writes (`$2b$12$`). */
  hash(password: string): Promise<string> {
    return this.slots.run(() =>
      this.algorithm === 'bcrypt' ? this.bcrypt.hash(password, BCRYPT_ROUNDS) : argon2.hash(password, ARGON2_OPTIONS),
    );
  }

  /** Verifies argon2 hashes and bcrypt ones (`$2a$`, `$2b$`, `$2y$`, as Argilla and its users files hold). */
  async verify(hash: string, password: string): Promise<boolean> {
    try {
      if (BCRYPT_PREFIX.test(hash)) return await this.slots.run(() => this.bcrypt.compare(password, hash));
      if (hash.startsWith('$argon2')) return await this.slots.run(() => argon2.verify(hash, password));
    } catch {
      // A malformed stored hash verifies nothing.
    }
    return false;
  }

  /**
   * True when the hash should be replaced by a fresh argon2id one at the next successful login. Never with
   * `bcrypt` chosen: the hashes Argilla 1.8 can verify stay as they are, and the others are not made weaker.
   */
  needsRehash(hash: string): boolean {
    if (this.algorithm === 'bcrypt') return false;
    if (!hash.startsWith('$argon2id$')) return true;
    return argon2.needsRehash(hash, ARGON2_OPTIONS);
  }

  /**
   * Spends the time of one verification without a user to verify, so that an unknown username takes as long
   * to refuse as a wrong password. The dummy hash is of the chosen algorithm, as the users' new hashes are.
   */
  async verifyDummy(password: string): Promise<void> {
    this.dummyHash ??= this.hash(`dummy-${randomBytes(16).toString('hex')}`);
    await this.verify(await this.dummyHash, password);
  }

  async onModuleDestroy(): Promise<void> {
    await this.bcrypt.close();
  }
}
