import { createSecretKey, KeyObject } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';

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
  /**
   * The session the token belongs to (a dashed UUID, the `sid` of OpenID Connect's session claims): accepted only
   * while the session exists. Tokens of earlier releases, and Argilla's own, have none.
   */
  sid?: string;
}

export class InvalidTokenError extends Error {
  constructor(reason: string) {
    super(`Invalid token: ${reason}`);
    this.name = 'InvalidTokenError';
  }
}

/** The HS256 key for a secret: made once, not on every request. */
export function signingKey(secret: string): KeyObject {
  return createSecretKey(secret, 'utf8');
}

/** Signs `{sub, exp, iat}` (and `uid`, `ver`, `sid` when given) with HS256. */
export function signToken(claims: TokenClaims, key: KeyObject): Promise<string> {
  return new SignJWT({ ...claims }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(key);
}

// jose decodes base64url leniently: it skips characters outside the alphabet, and ignores the unused bits of
// the last character, so several spellings of one signature would pass. Only the canonical one does here.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.([A-Za-z0-9_-]+)$/;

/**
 * Verifies an HS256 token (RFC 8725) with jose: HS256 and nothing else (no `none`, no other algorithm, no key from
 * the token); no `crit`, a `typ` of `JWT` when there is one; the signature in its canonical base64url spelling;
 * `sub` a string, `iat` and `exp` finite numbers, `exp` in the future (no clock tolerance); `uid`, when present,
 * a string, `ver` an integer, and `sid` a UUID.
 */
export async function verifyToken(token: string, key: KeyObject): Promise<TokenClaims> {
  const signature = COMPACT.exec(token)?.[1];
  if (signature === undefined) throw new InvalidTokenError('not three base64url parts');
  if (Buffer.from(signature, 'base64url').toString('base64url') !== signature) {
    throw new InvalidTokenError('signature not in canonical base64url');
  }
  let verified;
  try {
    verified = await jwtVerify(token, key, { algorithms: ['HS256'], requiredClaims: ['sub', 'iat', 'exp'] });
  } catch (error) {
    if (error instanceof errors.JOSEError) throw new InvalidTokenError(error.message);
    throw error;
  }
  const { payload: claims, protectedHeader: header } = verified;
  if (header.typ !== undefined && header.typ !== 'JWT') throw new InvalidTokenError('"typ" is not JWT');
  if ('crit' in header) throw new InvalidTokenError('"crit" is not accepted');
  const { sub, iat, exp } = claims;
  if (typeof sub !== 'string') throw new InvalidTokenError('"sub" is not a string');
  // jose checks that they are numbers, but JSON also spells infinities (`1e999`).
  if (!isFiniteNumber(iat) || !isFiniteNumber(exp)) throw new InvalidTokenError('"iat" or "exp" is not finite');
  if ('uid' in claims && typeof claims.uid !== 'string') throw new InvalidTokenError('"uid" is not a string');
  if ('ver' in claims && !Number.isSafeInteger(claims.ver)) throw new InvalidTokenError('"ver" is not an integer');
  if ('sid' in claims && !(typeof claims.sid === 'string' && UUID.test(claims.sid))) {
    throw new InvalidTokenError('"sid" is not a UUID');
  }
  const result: TokenClaims = { sub, iat, exp };
  if (typeof claims.uid === 'string') result.uid = claims.uid;
  if (typeof claims.ver === 'number') result.ver = claims.ver;
  if (typeof claims.sid === 'string') result.sid = claims.sid;
  return result;
}

/**
 * verifyToken with one key, remembering the tokens it accepted (the most recent `capacity`): a client sends the same
 * token with every request, and verifying it again each time (jose: about twice the CPU of a hand-written check)
 * made GET /api/me with a token measurably slower. Looked up by the whole token text, so only the very token that
 * was verified is found; its `exp` is checked again on every use. Claims are frozen, as they are shared.
 */
export class TokenVerifier {
  private readonly accepted = new Map<string, Readonly<TokenClaims>>();

  constructor(
    private readonly key: KeyObject,
    private readonly capacity = 1024,
  ) {}

  async verify(token: string): Promise<Readonly<TokenClaims>> {
    const known = this.accepted.get(token);
    if (known !== undefined) {
      if (known.exp > Math.floor(Date.now() / 1000)) return known;
      this.accepted.delete(token);
      throw new InvalidTokenError('"exp" claim timestamp check failed');
    }
    const claims = Object.freeze(await verifyToken(token, this.key));
    // A Map keeps insertion order: the first key is the oldest entry.
    if (this.accepted.size >= this.capacity) this.accepted.delete(this.accepted.keys().next().value!);
    this.accepted.set(token, claims);
    return claims;
  }
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}
