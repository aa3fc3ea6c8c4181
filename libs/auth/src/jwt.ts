import { createHmac, timingSafeEqual } from 'node:crypto';

export interface TokenClaims {
  sub: string;
  exp: number;
  iat: number;
  /**
   * A private claim: the id of the user the token was issued to (dashed UUID). Tokens of earlier releases, and
   * Argilla's own, have none.
   */
  uid?: string;
  /**
   * A private claim: the user's token version when the token was issued (`tokens_valid_after` in microseconds
   * since the epoch, 0 when never set). A password change or disabling changes it, which ends the token.
   */
  ver?: number;
}

export class InvalidTokenError extends Error {
  constructor(reason: string) {
    super(`Invalid token: ${reason}`);
    this.name = 'InvalidTokenError';
  }
}

const HEADER = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));

function base64url(text: string | Buffer): string {
  return Buffer.from(text).toString('base64url');
}

function signature(input: string, secret: string): Buffer {
  return createHmac('sha256', secret).update(input).digest();
}

/** Signs `{sub, exp, iat}` (and `uid`, `ver` when given) with HS256. */
export function signToken(claims: TokenClaims, secret: string): string {
  const input = `${HEADER}.${base64url(JSON.stringify(claims))}`;
  return `${input}.${signature(input, secret).toString('base64url')}`;
}

/**
 * Verifies an HS256 token (RFC 8725): the header must say HS256 and nothing else is accepted (no `none`, no
 * other algorithm, no key from the token); the signature must be the canonical base64url text of the HMAC,
 * compared in constant time; `sub`, `iat` and `exp` must be present and `exp` in the future; `uid`, when
 * present, must be a string, and `ver` an integer.
 */
export function verifyToken(token: string, secret: string, nowSeconds = Math.floor(Date.now() / 1000)): TokenClaims {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((part) => !/^[A-Za-z0-9_-]*$/.test(part))) {
    throw new InvalidTokenError('malformed');
  }
  const [headerPart, payloadPart, signaturePart] = parts;
  const header = parseJson(headerPart);
  if (header?.alg !== 'HS256' || (header.typ !== undefined && header.typ !== 'JWT') || 'crit' in header) {
    throw new InvalidTokenError('algorithm not accepted');
  }
  // The text, not its decoded bytes: base64url has several spellings of the same bytes (the last character's
  // unused bits), and only the one this function writes is a valid token.
  const expected = Buffer.from(signature(`${headerPart}.${payloadPart}`, secret).toString('base64url'));
  const given = Buffer.from(signaturePart);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new InvalidTokenError('bad signature');
  }
  const claims = parseJson(payloadPart);
  if (
    typeof claims?.sub !== 'string' ||
    !Number.isFinite(claims.exp) ||
    !Number.isFinite(claims.iat) ||
    typeof claims.exp !== 'number' ||
    typeof claims.iat !== 'number' ||
    ('uid' in claims && typeof claims.uid !== 'string') ||
    ('ver' in claims && !Number.isSafeInteger(claims.ver))
  ) {
    throw new InvalidTokenError('missing claims');
  }
  if (claims.exp <= nowSeconds) throw new InvalidTokenError('expired');
  const verified: TokenClaims = { sub: claims.sub, exp: claims.exp, iat: claims.iat };
  if (typeof claims.uid === 'string') verified.uid = claims.uid;
  if (typeof claims.ver === 'number') verified.ver = claims.ver;
  return verified;
}

function parseJson(part: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}
