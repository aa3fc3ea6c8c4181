import { createHash, randomInt } from 'node:crypto';

/** What every personal access token starts with, so that secret scanners (and this server) recognise one. */
export const ACCESS_TOKEN_PREFIX = 'argu_pat_';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** 43 base62 characters: 256 bits from the CSPRNG. */
const RANDOM_CHARACTERS = 43;
/** How many random characters the shown prefix keeps (`argu_pat_` and these): enough to tell tokens apart. */
const SHOWN_CHARACTERS = 6;

/** `argu_pat_` and 43 base62 characters (no `-` or `_` inside: a double-click selects it whole). */
export function generateAccessTokenSecret(): string {
  let random = '';
  for (let i = 0; i < RANDOM_CHARACTERS; i++) random += BASE62[randomInt(62)];
  return ACCESS_TOKEN_PREFIX + random;
}

/** Whether a credential is a personal access token (else it is an API key, looked up as before). */
export function isAccessTokenSecret(credential: string): boolean {
  return credential.startsWith(ACCESS_TOKEN_PREFIX);
}

/** The part shown in listings, e.g. `argu_pat_x7Qm2a`. */
export function shownPrefix(secret: string): string {
  return secret.slice(0, ACCESS_TOKEN_PREFIX.length + SHOWN_CHARACTERS);
}

/**
 * Hex SHA-256 of the secret: what is stored and looked up. A fast hash is right for 256 random bits (no dictionary
 * to try, and a slow hash would cost every request); see docs/security.md.
 */
export function hashAccessTokenSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}
