import { createHmac, generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { InvalidTokenError, signingKey, signToken, TokenClaims, TokenVerifier, verifyToken } from './jwt';

const SECRET = 'unit-test-secret-of-more-than-32-characters';
const KEY = signingKey(SECRET);
const UID = '0b7e3c4a-5d6f-4a1b-9c2d-3e4f5a6b7c8d';
const SID = '5f0c2d1e-8a7b-4c6d-9e0f-1a2b3c4d5e6f';

const nowSeconds = () => Math.floor(Date.now() / 1000);
const part = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** A token written by hand: `header` and `claims` as objects, or as JSON text for what objects cannot spell. */
function forge(header: unknown, claims: unknown, secret = SECRET, digest = 'sha256'): string {
  const input = `${part(header)}.${part(claims)}`;
  return `${input}.${createHmac(digest, secret).update(input).digest('base64url')}`;
}

const HS256 = { alg: 'HS256', typ: 'JWT' };
const valid = () => ({ sub: 'ada', iat: nowSeconds(), exp: nowSeconds() + 60 });

async function refusal(token: string): Promise<unknown> {
  return verifyToken(token, KEY).then(
    () => 'accepted',
    (error: unknown) => error,
  );
}

describe('signToken', () => {
  it('writes an HS256 JWT with the claims given, which verifyToken gives back', async () => {
    const claims: TokenClaims = {
      sub: 'ada',
      iat: nowSeconds(),
      exp: nowSeconds() + 86_400,
      uid: UID,
      ver: 0,
      sid: SID,
    };
    const token = await signToken(claims, KEY);
    const [header, payload, signature] = token.split('.');
    expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toEqual(HS256);
    expect(JSON.parse(Buffer.from(payload, 'base64url').toString())).toEqual(claims);
    expect(signature).toBe(createHmac('sha256', SECRET).update(`${header}.${payload}`).digest('base64url'));
    expect(await verifyToken(token, KEY)).toEqual(claims);
  });
});

describe('verifyToken', () => {
  it('accepts a token written by hand with the secret, without uid and ver (earlier releases, Argilla)', async () => {
    const claims = valid();
    expect(await verifyToken(forge(HS256, claims), KEY)).toEqual(claims);
    expect(await verifyToken(forge({ alg: 'HS256' }, claims), KEY)).toEqual(claims);
  });

  it('gives back sub, iat, exp, uid, ver and sid alone', async () => {
    const claims = {
      ...valid(),
      uid: UID,
      ver: 1_733_000_000_123_456,
      sid: SID,
      role: 'owner',
      nbf: nowSeconds() - 10,
    };
    expect(await verifyToken(forge(HS256, claims), KEY)).toEqual({
      sub: 'ada',
      iat: claims.iat,
      exp: claims.exp,
      uid: UID,
      ver: 1_733_000_000_123_456,
      sid: SID,
    });
  });

  it.each([
    [
      'alg none without a signature',
      'not three base64url parts',
      () => `${part({ alg: 'none', typ: 'JWT' })}.${part(valid())}.`,
    ],
    [
      'alg none with a signature',
      '"alg" (Algorithm) Header Parameter value not allowed',
      () => forge({ alg: 'none', typ: 'JWT' }, valid()),
    ],
    ['no alg', 'JWS "alg" (Algorithm) Header Parameter missing or invalid', () => forge({ typ: 'JWT' }, valid())],
    [
      'alg hs256 (case)',
      '"alg" (Algorithm) Header Parameter value not allowed',
      () => forge({ alg: 'hs256', typ: 'JWT' }, valid()),
    ],
    [
      'alg HS384',
      '"alg" (Algorithm) Header Parameter value not allowed',
      () => forge({ alg: 'HS384', typ: 'JWT' }, valid(), SECRET, 'sha384'),
    ],
    [
      'alg HS512',
      '"alg" (Algorithm) Header Parameter value not allowed',
      () => forge({ alg: 'HS512', typ: 'JWT' }, valid(), SECRET, 'sha512'),
    ],
    [
      'alg RS256 with an HMAC of the secret',
      '"alg" (Algorithm) Header Parameter value not allowed',
      () => forge({ alg: 'RS256', typ: 'JWT' }, valid()),
    ],
    [
      'alg RS256 with an HMAC of a public key',
      '"alg" (Algorithm) Header Parameter value not allowed',
      () => {
        const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
        return forge(
          { alg: 'RS256', typ: 'JWT' },
          valid(),
          publicKey.export({ type: 'spki', format: 'pem' }).toString(),
        );
      },
    ],
    [
      'a key in the header',
      'signature verification failed',
      () => forge({ ...HS256, jwk: { kty: 'oct', k: part('other-secret') } }, valid(), 'other-secret'),
    ],
    ['typ at+jwt', '"typ" is not JWT', () => forge({ alg: 'HS256', typ: 'at+jwt' }, valid())],
    ['typ jwt (case)', '"typ" is not JWT', () => forge({ alg: 'HS256', typ: 'jwt' }, valid())],
    [
      'crit exp',
      'Extension Header Parameter "exp" is not recognized',
      () => forge({ ...HS256, crit: ['exp'] }, valid()),
    ],
    [
      'crit b64 (jose knows it)',
      '"crit" is not accepted',
      () => forge({ ...HS256, crit: ['b64'], b64: true }, valid()),
    ],
    [
      'another secret',
      'signature verification failed',
      () => forge(HS256, valid(), 'another-secret-of-more-than-32-characters'),
    ],
    [
      'an expired exp',
      '"exp" claim timestamp check failed',
      () => forge(HS256, { ...valid(), iat: nowSeconds() - 120, exp: nowSeconds() - 1 }),
    ],
    [
      'an exp of now (no clock tolerance)',
      '"exp" claim timestamp check failed',
      () => forge(HS256, { ...valid(), exp: nowSeconds() }),
    ],
    [
      'an nbf in the future',
      '"nbf" claim timestamp check failed',
      () => forge(HS256, { ...valid(), nbf: nowSeconds() + 30 }),
    ],
    ['no sub', 'missing required "sub" claim', () => forge(HS256, { iat: nowSeconds(), exp: nowSeconds() + 60 })],
    [
      'no iat (as Argilla 1.8 issues them)',
      'missing required "iat" claim',
      () => forge(HS256, { sub: 'ada', exp: nowSeconds() + 60 }),
    ],
    ['no exp', 'missing required "exp" claim', () => forge(HS256, { sub: 'ada', iat: nowSeconds() })],
    ['a sub that is not a string', '"sub" is not a string', () => forge(HS256, { ...valid(), sub: 42 })],
    [
      'an iat that is not a number',
      '"iat" claim must be a number',
      () => forge(HS256, { ...valid(), iat: String(nowSeconds()) }),
    ],
    [
      'an exp that is not a number',
      '"exp" claim must be a number',
      () => forge(HS256, { ...valid(), exp: String(nowSeconds() + 60) }),
    ],
    [
      'an exp of infinity (1e999)',
      '"iat" or "exp" is not finite',
      () => forge(HS256, `{"sub":"ada","iat":${nowSeconds()},"exp":1e999}`),
    ],
    ['a uid that is not a string', '"uid" is not a string', () => forge(HS256, { ...valid(), uid: 42 })],
    ['a uid of null', '"uid" is not a string', () => forge(HS256, { ...valid(), uid: null })],
    ['a ver that is not an integer', '"ver" is not an integer', () => forge(HS256, { ...valid(), ver: 0.5 })],
    ['a ver that is a string', '"ver" is not an integer', () => forge(HS256, { ...valid(), ver: '0' })],
    ['a ver past 2^53', '"ver" is not an integer', () => forge(HS256, { ...valid(), ver: 2 ** 53 })],
    ['a sid that is not a string', '"sid" is not a UUID', () => forge(HS256, { ...valid(), sid: 7 })],
    ['a sid that is not a UUID', '"sid" is not a UUID', () => forge(HS256, { ...valid(), sid: 'session-1' })],
    ['a sid in capitals', '"sid" is not a UUID', () => forge(HS256, { ...valid(), sid: SID.toUpperCase() })],
    ['claims that are not an object', 'JWT Claims Set must be a top-level JSON object', () => forge(HS256, '["ada"]')],
    ['claims that are not JSON', 'JWT Claims Set must be a top-level JSON object', () => forge(HS256, '{"sub":"ada",')],
  ])('refuses %s (%s)', async (_label, reason, token) => {
    const error = await refusal(token());
    expect(error).toBeInstanceOf(InvalidTokenError);
    expect((error as Error).message).toBe(`Invalid token: ${reason}`);
  });

  it('refuses a payload changed after signing', async () => {
    const token = await signToken({ ...valid(), uid: UID, ver: 0 }, KEY);
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const tampered = [
      ...[
        { ...claims, sub: 'admin' },
        { ...claims, ver: 1 },
        { ...claims, exp: claims.exp + 1 },
      ].map((changed) => `${header}.${part(changed)}.${signature}`),
      `${part({ ...HS256, kid: 'x' })}.${payload}.${signature}`,
    ];
    for (const token of tampered) {
      expect(await refusal(token)).toEqual(new InvalidTokenError('signature verification failed'));
    }
    expect(await verifyToken(token, KEY)).toEqual(claims);
  });

  it('refuses any spelling of the signature but the canonical one, even of the same bytes', async () => {
    const token = await signToken(valid(), KEY);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(token.at(-1)!);
    const signature = token.split('.')[2];
    const spellings = [
      // 32 bytes take 43 characters: the last one has 2 unused bits, which decoders ignore.
      ...[1, 2, 3].map((unused) => `${token.slice(0, -1)}${alphabet[last ^ unused]}`),
      `${token}=`,
      `${token.slice(0, -10)}!${token.slice(-10)}`,
      `${token.slice(0, -10)} ${token.slice(-10)}`,
      token.replace(/\.([^.]*)$/, `.${Buffer.from(signature, 'base64url').toString('base64')}`),
    ];
    const reasons = [];
    for (const spelling of spellings) {
      expect(spelling).not.toBe(token);
      const error = await refusal(spelling);
      expect(error).toBeInstanceOf(InvalidTokenError);
      reasons.push((error as Error).message);
    }
    expect(reasons).toEqual([
      ...Array(3).fill('Invalid token: signature not in canonical base64url'),
      ...Array(4).fill('Invalid token: not three base64url parts'),
    ]);
    expect(await verifyToken(token, KEY)).toEqual(expect.objectContaining({ sub: 'ada' }));
  });

  it.each([
    ['empty', '', 'not three base64url parts'],
    ['two parts', 'a.b', 'not three base64url parts'],
    ['four parts', 'a.b.c.d', 'not three base64url parts'],
    ['an API key', 'ada.apikey', 'not three base64url parts'],
    ['not a JWT', 'not.a.jwt', 'signature not in canonical base64url'],
    ['three parts of no JSON', 'bm90.YS5qd3Q.c2lnbmF0dXJl', 'JWS Protected Header is invalid'],
  ])('refuses a token that is %s', async (_label, token, reason) => {
    expect(await refusal(token)).toEqual(new InvalidTokenError(reason));
  });

  // What reaches the server is arbitrary: anything but InvalidTokenError would answer 500 instead of 401.
  it('refuses arbitrary text with InvalidTokenError alone', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ unit: 'binary' }),
          fc
            .array(fc.stringMatching(/^[A-Za-z0-9_-]*$/), { minLength: 3, maxLength: 3 })
            .map((parts) => parts.join('.')),
        ),
        async (token) => {
          expect(await refusal(token)).toBeInstanceOf(InvalidTokenError);
        },
      ),
    );
  });

  it('answers any JSON header and claims signed with the secret with claims or InvalidTokenError', async () => {
    // Mostly valid ones, with now and then a value of any kind, so that both outcomes are seen.
    const mostly = <T>(valid: fc.Arbitrary<T>) => fc.oneof({ arbitrary: valid, weight: 5 }, fc.jsonValue());
    const header = fc.oneof(
      { arbitrary: fc.constantFrom({}, { typ: 'JWT' }), weight: 3 },
      fc.jsonValue(),
      fc.dictionary(fc.constantFrom('alg', 'typ', 'crit', 'b64', 'kid'), fc.jsonValue()),
    );
    const claims = fc.oneof(
      {
        arbitrary: fc.record(
          {
            sub: mostly(fc.string()),
            iat: mostly(fc.integer()),
            exp: mostly(fc.integer({ min: nowSeconds() + 3600 })),
            uid: mostly(fc.uuid()),
            ver: mostly(fc.nat()),
            sid: mostly(fc.uuid().map((uuid) => uuid.toLowerCase())),
          },
          { requiredKeys: ['sub', 'iat', 'exp'] },
        ),
        weight: 5,
      },
      fc.jsonValue(),
    );
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(header, claims, async (h, c) => {
        const outcome = await verifyToken(forge({ ...(h as object), alg: 'HS256' }, c), KEY).catch(
          (error: unknown) => error,
        );
        if (outcome instanceof InvalidTokenError) return;
        expect(outcome).toEqual({
          sub: expect.any(String),
          iat: expect.any(Number),
          exp: expect.any(Number),
          ...(JSON.parse(JSON.stringify(c)) as object),
        });
        expect((outcome as TokenClaims).exp).toBeGreaterThan(nowSeconds());
        accepted++;
      }),
      { numRuns: 400 },
    );
    expect(accepted).toBeGreaterThan(0);
  });
});

describe('TokenVerifier', () => {
  const T0 = 1_800_000_000;
  const at = (seconds: number) => jest.setSystemTime(seconds * 1000);

  beforeEach(() => {
    // The clock alone: promises and timers keep running for real.
    jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate', 'setTimeout', 'setInterval'] });
    at(T0);
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  /** A token valid from T0 (`nbf`) to T0 + 60: jose refuses it before T0, which only a remembered one escapes. */
  const token = (sub: string) => forge(HS256, { sub, iat: T0, nbf: T0, exp: T0 + 60 });

  /** Whether `verifier` answers `text` from memory, told by asking before its `nbf`. */
  async function remembered(verifier: TokenVerifier, text: string): Promise<boolean> {
    at(T0 - 1);
    try {
      return await verifier.verify(text).then(
        () => true,
        (error: unknown) => {
          expect(error).toEqual(new InvalidTokenError('"nbf" claim timestamp check failed'));
          return false;
        },
      );
    } finally {
      at(T0);
    }
  }

  it('gives the claims of a token it verified, from memory on the next uses, frozen', async () => {
    const verifier = new TokenVerifier(KEY);
    const claims = await verifier.verify(token('ada'));
    expect(claims).toEqual({ sub: 'ada', iat: T0, exp: T0 + 60 });
    expect(Object.isFrozen(claims)).toBe(true);
    expect(await remembered(verifier, token('ada'))).toBe(true);
    expect(await verifier.verify(token('ada'))).toBe(claims);
    expect(await remembered(new TokenVerifier(KEY), token('ada'))).toBe(false);
  });

  it('refuses a remembered token once expired, and forgets it', async () => {
    const verifier = new TokenVerifier(KEY);
    await verifier.verify(token('ada'));
    at(T0 + 59);
    expect(await verifier.verify(token('ada'))).toEqual({ sub: 'ada', iat: T0, exp: T0 + 60 });
    at(T0 + 60);
    for (let i = 0; i < 2; i++) {
      expect(await refusalBy(verifier, token('ada'))).toEqual(
        new InvalidTokenError('"exp" claim timestamp check failed'),
      );
    }
    expect(await remembered(verifier, token('ada'))).toBe(false);
  });

  it('remembers only the very text it verified: other spellings and forgeries are verified, and refused', async () => {
    const verifier = new TokenVerifier(KEY);
    const text = token('ada');
    await verifier.verify(text);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const respelled = `${text.slice(0, -1)}${alphabet[alphabet.indexOf(text.at(-1)!) ^ 1]}`;
    expect(await refusalBy(verifier, respelled)).toEqual(new InvalidTokenError('signature not in canonical base64url'));
    const forged = `${text.split('.')[0]}.${part({ sub: 'admin', iat: T0, nbf: T0, exp: T0 + 60 })}.${text.split('.')[2]}`;
    expect(await refusalBy(verifier, forged)).toEqual(new InvalidTokenError('signature verification failed'));
    expect(
      await refusalBy(
        verifier,
        forge(HS256, { sub: 'ada', iat: T0, exp: T0 + 60 }, 'another-secret-of-32-characters!!'),
      ),
    ).toEqual(new InvalidTokenError('signature verification failed'));
  });

  it('remembers the most recent tokens up to its capacity, forgetting the oldest first', async () => {
    const verifier = new TokenVerifier(KEY, 2);
    for (const sub of ['a', 'b', 'c']) await verifier.verify(token(sub));
    expect(await remembered(verifier, token('a'))).toBe(false);
    expect(await remembered(verifier, token('b'))).toBe(true);
    expect(await remembered(verifier, token('c'))).toBe(true);
    await verifier.verify(token('d'));
    expect(await remembered(verifier, token('b'))).toBe(false);
    expect(await remembered(verifier, token('c'))).toBe(true);
    expect(await remembered(verifier, token('d'))).toBe(true);
  });

  function refusalBy(verifier: TokenVerifier, text: string): Promise<unknown> {
    return verifier.verify(text).then(
      () => 'accepted',
      (error: unknown) => error,
    );
  }
});
