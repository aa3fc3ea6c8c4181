import { createHash } from 'node:crypto';
import {
  ACCESS_TOKEN_PREFIX,
  generateAccessTokenSecret,
  hashAccessTokenSecret,
  isAccessTokenSecret,
  shownPrefix,
} from './access-token-secret';

describe('personal access token secrets', () => {
  it('are argu_pat_ and 43 base62 characters (256 bits), never twice the same', () => {
    const secrets = Array.from({ length: 200 }, generateAccessTokenSecret);
    for (const secret of secrets) expect(secret).toMatch(/^argu_pat_[0-9A-Za-z]{43}$/);
    expect(new Set(secrets).size).toBe(200);
    // Every base62 character turns up: the alphabet is used whole.
    expect(new Set(secrets.flatMap((secret) => [...secret.slice(ACCESS_TOKEN_PREFIX.length)])).size).toBe(62);
  });

  it('are recognised by their prefix; API keys (base64url, never starting so) are not', () => {
    expect(isAccessTokenSecret(generateAccessTokenSecret())).toBe(true);
    expect(isAccessTokenSecret('argilla.apikey')).toBe(false);
    expect(isAccessTokenSecret('ARGU_PAT_x')).toBe(false);
  });

  it('are stored as their hex SHA-256 and shown by their first 15 characters', () => {
    const secret = 'argu_pat_0123456789abcdefghijABCDEFGHIJklmnopqrstu';
    expect(hashAccessTokenSecret(secret)).toBe(createHash('sha256').update(secret).digest('hex'));
    expect(shownPrefix(secret)).toBe('argu_pat_012345');
  });
});
