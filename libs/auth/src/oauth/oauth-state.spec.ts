import { openState, OAuthState, sealState, stateKey } from './oauth-state';

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
    const flipped = body.slice(0, -1) + (body.endsWith('A') ? 'B' : 'A');
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
