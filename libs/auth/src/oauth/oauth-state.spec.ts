import { openState, OAuthState, sealState, stateKey, UsedStates } from './oauth-state';

const STATE: OAuthState = {
  provider: 'keycloak',
  state: 'state-value',
  nonce: 'nonce-value',
  codeVerifier: 'verifier-value',
  expiresAt: 1_700_000_000_000,
};

describe('single sign-on state cookie', () => {
  const key = stateKey('a-secret-of-at-least-thirty-two-bytes!!');

  it('opens what it sealed, and hides it', () => {
    const sealed = sealState(STATE, key);
    expect(openState(sealed, key)).toEqual(STATE);
    expect(sealed).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain(Buffer.from('verifier-value').toString('base64url').slice(0, 8));
    // A fresh IV each time.
    expect(sealState(STATE, key)).not.toBe(sealed);
  });

  it('refuses a changed, truncated or foreign value', () => {
    const sealed = sealState(STATE, key);
    const [iv, body, tag] = sealed.split('.');
    // One bit of the ciphertext changed (not a character of its text: the last one may carry only padding bits).
    const bytes = Buffer.from(body, 'base64url');
    bytes[0] ^= 1;
    const flipped = bytes.toString('base64url');
    expect(openState(`${iv}.${flipped}.${tag}`, key)).toBeUndefined();
    expect(openState(`${iv}.${body}`, key)).toBeUndefined();
    expect(openState('', key)).toBeUndefined();
    expect(openState(sealed, stateKey('another-secret-of-at-least-thirty-two-bytes'))).toBeUndefined();
  });

  it('derives a key that is not the secret itself', () => {
    expect(key).toHaveLength(32);
    expect(key.equals(Buffer.from('a-secret-of-at-least-thirty-two-bytes!!').subarray(0, 32))).toBe(false);
  });
});

describe('used single sign-on states', () => {
  const now = 1_700_000_000_000;

  it('refuses a state used before, until it expires', () => {
    const used = new UsedStates();
    expect(used.use('a', now + 600_000, now)).toBe(true);
    expect(used.use('a', now + 600_000, now + 1_000)).toBe(false);
    expect(used.use('a', now + 600_000, now + 599_999)).toBe(false);
    // Expired: the cookie itself is refused before this is asked; the entry is gone.
    expect(used.use('b', now + 1_200_000, now + 600_000)).toBe(true);
    expect(used.size).toBe(1);
  });

  it('forgets the oldest past its capacity, never holding more', () => {
    const used = new UsedStates(3);
    for (const state of ['a', 'b', 'c', 'd']) expect(used.use(state, now + 600_000, now)).toBe(true);
    expect(used.size).toBe(3);
    expect(used.use('b', now + 600_000, now)).toBe(false);
    expect(used.use('d', now + 600_000, now)).toBe(false);
    // 'a' was forgotten to make room for 'd'.
    expect(used.use('a', now + 600_000, now)).toBe(true);
    expect(used.size).toBe(3);
  });

  it('forgets expired states as new ones are used', () => {
    const used = new UsedStates();
    for (let i = 0; i < 1_000; i += 1) used.use(`old-${i}`, now + i, now);
    used.use('live', now + 600_000, now);
    expect(used.use('new', now + 601_000, now + 1_000)).toBe(true);
    expect(used.size).toBe(2);
  });
});
