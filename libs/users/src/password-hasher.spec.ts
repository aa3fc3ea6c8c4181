import { performance } from 'node:perf_hooks';
import { loadSettings } from '@argilla/config';
import * as bcrypt from 'bcryptjs';
import { PasswordHasher } from './password-hasher';

const hasherFor = (passwordHash: string): PasswordHasher =>
  new PasswordHasher(loadSettings({ ARGILLA_PASSWORD_HASH: passwordHash }));

/** bcrypt ($2y$, cost 5) of '1234', as in Argilla's own users files. */
const BCRYPT_1234 = '$2y$05$eaw.j2Kaw8s8vpscVIZMfuqSIX3OLmxA21WjtWicDdn0losQ91Hw.';

// A cost-12 bcrypt hash is about 0.4 s of CPU alone, several seconds on a busy machine.
jest.setTimeout(30_000);

describe('PasswordHasher', () => {
  describe('with ARGILLA_PASSWORD_HASH=bcrypt', () => {
    const hasher = hasherFor('bcrypt');
    afterAll(() => hasher.onModuleDestroy());

    it('writes $2b$12$ hashes that bcryptjs and the hasher verify', async () => {
      const hash = await hasher.hash('pässword-1234');
      expect(hash).toMatch(/^\$2b\$12\$[./A-Za-z0-9]{53}$/);
      expect(await bcrypt.compare('pässword-1234', hash)).toBe(true);
      expect(await hasher.verify(hash, 'pässword-1234')).toBe(true);
      expect(await hasher.verify(hash, 'password-1234')).toBe(false);
      expect(await hasher.hash('pässword-1234')).not.toBe(hash);
    });

    it('never asks for a rehash', async () => {
      expect(hasher.needsRehash(BCRYPT_1234)).toBe(false);
      expect(hasher.needsRehash(await hasherFor('argon2id').hash('1234'))).toBe(false);
    });

    it('still verifies argon2id hashes, and refuses malformed ones', async () => {
      expect(await hasher.verify(await hasherFor('argon2id').hash('1234'), '1234')).toBe(true);
      expect(await hasher.verify(BCRYPT_1234, '1234')).toBe(true);
      expect(await hasher.verify('$2b$12$short', '1234')).toBe(false);
      expect(await hasher.verify('plain', 'plain')).toBe(false);
    });

    it('hashes off the event loop: it keeps running timers meanwhile', async () => {
      const started = performance.now();
      const before = performance.eventLoopUtilization();
      await Promise.all([hasher.hash('password-1'), hasher.hash('password-2')]);
      const loop = performance.eventLoopUtilization(before);
      const elapsed = performance.now() - started;
      // Two cost-12 hashes take about 0.4 s of CPU each; on the event loop (bcryptjs's own asynchronous
      // functions included) they would keep it busy that long, here it only starts the workers and reads replies.
      expect(elapsed).toBeGreaterThan(200);
      expect(loop.active).toBeLessThan(100);
    });

    it('spends a bcrypt verification on an unknown username', async () => {
      await hasher.verifyDummy('warm-up');
      const started = performance.now();
      await hasher.verifyDummy('password');
      expect(performance.now() - started).toBeGreaterThan(100);
    });
  });

  describe('with ARGILLA_PASSWORD_HASH=argon2id (the default)', () => {
    const hasher = new PasswordHasher(loadSettings({}));
    afterAll(() => hasher.onModuleDestroy());

    it('writes argon2id hashes at the OWASP parameters', async () => {
      const hash = await hasher.hash('password-1234');
      expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
      expect(await hasher.verify(hash, 'password-1234')).toBe(true);
      expect(await hasher.verify(hash, 'password-12345')).toBe(false);
      expect(hasher.needsRehash(hash)).toBe(false);
    });

    it('verifies bcrypt hashes and asks for them to be replaced', async () => {
      expect(await hasher.verify(BCRYPT_1234, '1234')).toBe(true);
      expect(await hasher.verify(BCRYPT_1234, '12345')).toBe(false);
      expect(hasher.needsRehash(BCRYPT_1234)).toBe(true);
      expect(hasher.needsRehash(await hasherFor('bcrypt').hash('1234'))).toBe(true);
    });
  });

  it('verifies no bcrypt hash once closed, rather than start a worker that nothing would end', async () => {
    const hasher = hasherFor('argon2id');
    expect(await hasher.verify(BCRYPT_1234, '1234')).toBe(true);
    await hasher.onModuleDestroy();
    expect(await hasher.verify(BCRYPT_1234, '1234')).toBe(false);
  });
});
