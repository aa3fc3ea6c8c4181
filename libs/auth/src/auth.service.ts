import { createHash, KeyObject } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  BadRequestError,
  ForbiddenOperationError,
  Timestamp,
  UnauthorizedError,
  ValidationError,
} from '@argilla/common';
import { SETTINGS, Settings } from '@argilla/config';
import { AuditLog, User, UserSession } from '@argilla/database';
import {
  AccessTokenPrincipal,
  CreatedAccessToken,
  NewAccessToken,
  PasswordHasher,
  PersonalAccessTokensService,
  SessionOrigin,
  UserSessionsService,
  UsersRepository,
  UsersService,
  UserWithWorkspaces,
} from '@argilla/users';
import { FailedLoginTiming } from './failed-login-timing';
import { resolveJwtSecret } from './jwt-secret';
import { LoginThrottle, TooManyLoginAttemptsError } from './login-throttle.service';
import { InvalidTokenError, signingKey, signToken, TokenVerifier } from './jwt';

export interface AccessToken {
  access_token: string;
  token_type: 'bearer';
}

/**
 * How a request proved who it is: its API key or a personal access token (`X-Argilla-Api-Key`), or a bearer JWT
 * (`token`, Argilla's name for it).
 */
export type AuthenticatedBy = 'api_key' | 'access_token' | 'token';

/** The user of a bearer JWT, and the session the JWT belongs to (none for a JWT of an earlier release). */
export interface BearerPrincipal extends UserWithWorkspaces {
  sessionId?: string;
}

/**
 * A personal access token may not make lasting credentials: no new token, password or API key (403), so that a
 * leaked token cannot outlive its revocation or expiry.
 */
function refuseAccessToken(authenticatedBy: AuthenticatedBy): void {
  if (authenticatedBy === 'access_token') throw new ForbiddenOperationError();
}

/** The 422 of a missing or wrong current password (changing one's own password or API key). */
const wrongCurrentPassword = (): ValidationError =>
  new ValidationError([
    { loc: ['body', 'current_password'], msg: 'current password is not correct', type: 'value_error.password' },
  ]);

/** Logins (password → JWT) and the two ways a request proves who it is: an API key or a bearer JWT. */
@Injectable()
export class AuthService {
  private readonly logger = new Logger('Auth');
  private secret: string | undefined;
  private key: KeyObject | undefined;
  private verifier: TokenVerifier | undefined;

  constructor(
    @Inject(SETTINGS) private readonly settings: Settings,
    private readonly users: UsersService,
    private readonly userRows: UsersRepository,
    private readonly passwords: PasswordHasher,
    private readonly throttle: LoginThrottle,
    private readonly timing: FailedLoginTiming,
    private readonly accessTokens: PersonalAccessTokensService,
    private readonly sessions: UserSessionsService,
    private readonly audit: AuditLog,
  ) {}

  /** Resolved on first use (the CLI never needs it); the server calls it at start so the warning shows then. */
  signingSecret(): string {
    this.secret ??= resolveJwtSecret(this.settings.auth.secretKey, this.settings.homePath, (message) =>
      this.logger.warn(message),
    );
    return this.secret;
  }

  /** The secret as an HS256 key, made once: every bearer request verifies with it. */
  private tokenKey(): KeyObject {
    this.key ??= signingKey(this.signingSecret());
    return this.key;
  }

  /**
   * Unknown username and wrong password fail alike, in the same time whatever the stored hash: a dummy hash is
   * verified, and every failure is padded to the duration of the costliest kind in use (FailedLoginTiming).
   * A legacy (bcrypt) or weaker hash is replaced by a fresh argon2id one after a successful login, except with
   * `ARGILLA_PASSWORD_HASH=bcrypt`, which keeps every hash as it is (PasswordHasher.needsRehash).
   * Throttled by LoginThrottle: the attempt is counted before the password is checked, 429 past the limits. A
   * disabled user's right password is a failure, like a wrong one.
   * The token carries the user's token version as read before the password was checked: a password change or a
   * disabling that lands while this login is being verified ends it too. Each login is a session (`origin` says
   * where from), which the token names.
   */
  async login(
    username: string,
    password: string,
    client: string,
    origin: Omit<SessionOrigin, 'client' | 'provider'> = {},
  ): Promise<AccessToken> {
    const started = this.timing.start();
    let user: User | null = null;
    let verified: boolean;
    try {
      verified = await this.throttle.check(username, client, async () => {
        user = await this.userRows.findByUsername(username);
        if (!user) {
          await this.passwords.verifyDummy(password);
          return false;
        }
        // The disabled flag is looked at after the password check, so that neither the answer's time nor the
        // counters tell that the password was right.
        return (await this.passwords.verify(user.passwordHash, password)) && !user.disabled;
      });
    } catch (error) {
      if (error instanceof TooManyLoginAttemptsError) await this.recordLockedOut(username, client);
      throw error;
    }
    const found = user as User | null;
    if (!verified || found === null) {
      // Every failure takes as long as one of the costliest kind of hash in use (FailedLoginTiming); the event is
      // written after the padding, so that its write adds the same time to every failure (written meanwhile, it
      // fit in the padding of a cheap failure but came on top of a costly one's verification).
      await this.timing.padFailure(started, found?.passwordHash);
      await this.recordFailed(username, found, client);
      throw new UnauthorizedError();
    }
    if (this.passwords.needsRehash(found.passwordHash)) {
      await this.users.updatePasswordHash(found.id, await this.passwords.hash(password));
    }
    return this.issueToken(found, { ...origin, client });
  }

  /**
   * A failed login, counted in one event per username, client and minute (so that guesses cannot fill the table).
   */
  private recordFailed(username: string, user: User | null, client: string): Promise<void> {
    return this.audit.recordRepeated(bucketOf('login.failed', username, client), {
      action: 'login.failed',
      actor: { type: 'user', name: username },
      target: { type: 'user', id: user?.id ?? null, name: username },
      details: { known_user: user !== null },
    });
  }

  /**
   * A login refused by the throttle (429), counted in one event per client and minute whatever the usernames tried:
   * the first one tried names its target.
   */
  private recordLockedOut(username: string, client: string): Promise<void> {
    return this.audit.recordRepeated(bucketOf('login.locked_out', '', client), {
      action: 'login.locked_out',
      actor: { type: 'user', name: username },
      target: { type: 'user', name: username },
    });
  }

  /**
   * The bearer JWT of a sign-in, for a user already authenticated (by its password, or by an OpenID provider): a
   * new session, which the JWT names (`sid`) and which ends with it. It carries the user's token version as read by
   * the caller: a password change or disabling since then ends it. 401 when the user was deleted meanwhile.
   */
  async issueToken(user: User, origin: SessionOrigin): Promise<AccessToken> {
    // Never earlier than the user's creation, last password change or disabling (should the clock have stepped
    // back since): such a token would be refused.
    const iat = Math.max(
      Math.floor(Date.now() / 1000),
      Math.floor(user.insertedAt.getTime() / 1000),
      tokensValidFrom(user.tokensValidAfter),
    );
    const exp = iat + this.settings.auth.tokenExpirationMinutes * 60;
    const session = await this.sessions.start(user, new Date(exp * 1000), origin);
    if (!session) throw new UnauthorizedError();
    const claims = { sub: user.username, iat, exp, uid: user.id, ver: tokenVersion(user.tokensValidAfter) };
    return {
      access_token: await signToken({ ...claims, sid: session.id }, this.tokenKey()),
      token_type: 'bearer',
    };
  }

  /**
   * Ends the session of the request (`POST /api/v1/me/logout`): its JWT is refused from the next request on, on
   * every replica. 400 for a request made without one (an API key, a personal access token, or a JWT of an
   * earlier release, which has no session).
   */
  async logout(user: User, authenticatedBy: AuthenticatedBy, sessionId: string | undefined): Promise<UserSession> {
    if (authenticatedBy !== 'token') {
      throw new BadRequestError(
        'This request has no session to end: it was made with an API key or a personal access token, not with ' +
          'the bearer token of a login (revoke a personal access token with DELETE /api/v1/me/tokens/{token_id})',
      );
    }
    if (sessionId === undefined) {
      throw new BadRequestError(
        'This bearer token has no session (it was issued by an earlier release): it cannot be ended alone; it ' +
          'ends when it expires, when the password changes, or when the user is disabled or deleted',
      );
    }
    return this.sessions.end(user.id, sessionId);
  }

  /**
   * Checks a signed-in user's current password (PUT /api/v1/me/password, POST /api/v1/me/api-key) under the
   * login's throttle: 429 while locked out (even with the right password), a wrong password counted as a failed
   * login, a right one forgetting the failures of this username from this client.
   */
  private async verifyCurrentPassword(user: User, password: string, client: string): Promise<boolean> {
    const started = this.timing.start();
    const verified = await this.throttle.check(user.username, client, () =>
      this.passwords.verify(user.passwordHash, password),
    );
    if (!verified) await this.timing.padFailure(started, user.passwordHash);
    return verified;
  }

  /**
   * The caller's new password (`PUT /api/v1/me/password`), once its current one is checked: counted with the
   * failed logins, as otherwise a stolen API key or token would make this a password oracle. Wrong: 422.
   */
  async changeOwnPassword(
    user: User,
    currentPassword: string,
    newPassword: string,
    authenticatedBy: AuthenticatedBy,
    client: string,
  ): Promise<User> {
    refuseAccessToken(authenticatedBy);
    if (!(await this.verifyCurrentPassword(user, currentPassword, client))) throw wrongCurrentPassword();
    return this.users.changePassword(user.id, newPassword);
  }

  /**
   * A new API key for the caller (`POST /api/v1/me/api-key`). A caller authenticated by a bearer token must give
   * its current password (a token may have been read or stolen without it: it alone does not get a lasting key);
   * one authenticated by its API key need not, as that key is the one replaced, but a password it gives is checked
   * all the same. Missing or wrong: 422, and the key stays.
   */
  async rotateOwnApiKey(
    user: User,
    currentPassword: string | undefined,
    authenticatedBy: AuthenticatedBy,
    client: string,
  ): Promise<User> {
    refuseAccessToken(authenticatedBy);
    if (currentPassword === undefined && authenticatedBy === 'token') throw wrongCurrentPassword();
    if (currentPassword !== undefined && !(await this.verifyCurrentPassword(user, currentPassword, client))) {
      throw wrongCurrentPassword();
    }
    return this.users.rotateApiKey(user.id);
  }

  /** A personal access token for the caller (`POST /api/v1/me/tokens`); not for a caller using one (403). */
  createOwnAccessToken(
    user: User,
    input: NewAccessToken,
    authenticatedBy: AuthenticatedBy,
  ): Promise<CreatedAccessToken> {
    refuseAccessToken(authenticatedBy);
    return this.accessTokens.create(user.id, input);
  }

  /**
   * An admin's reset of a password or API key (its own or another user's): refused to a personal access token too,
   * which may not make lasting credentials.
   */
  checkCredentialChange(authenticatedBy: AuthenticatedBy): void {
    refuseAccessToken(authenticatedBy);
  }

  /**
   * The user of a personal access token, with the token's scope (one prepared query): unknown, expired and a
   * disabled user's are 401.
   */
  async authenticateAccessToken(secret: string): Promise<AccessTokenPrincipal> {
    const found = await this.accessTokens.authenticate(secret);
    if (!found) throw new UnauthorizedError();
    return found;
  }

  /** The key's user with its workspaces (one prepared query). */
  async authenticateApiKey(apiKey: string): Promise<UserWithWorkspaces> {
    const found = apiKey ? await this.userRows.findByApiKeyWithWorkspaces(apiKey) : null;
    if (!found || found.user.disabled) throw new UnauthorizedError();
    return found;
  }

  /**
   * The token's user, read from the database (never the role from the token). A token carrying `uid` is bound to
   * that user: once the username belongs to another user (deleted and created again, even within the same
   * second), it is refused. A token without `uid` (issued by an earlier release, or by Argilla with the same
   * secret) is accepted as before: refused only when issued before its user was created, compared in whole
   * seconds as `iat` has no more, so a re-creation within the same second does not end it.
   * Either way, a token issued before the user's `tokens_valid_after` (password change, disabling) is refused,
   * and so is one whose token version (`ver`, when it has one) is no longer the user's. A token naming a session
   * (`sid`) is refused once the session has ended; the user and its session are read in one query.
   */
  async authenticateBearer(token: string): Promise<BearerPrincipal> {
    let claims;
    try {
      this.verifier ??= new TokenVerifier(this.tokenKey());
      claims = await this.verifier.verify(token);
    } catch (error) {
      if (error instanceof InvalidTokenError) throw new UnauthorizedError();
      throw error;
    }
    let found: UserWithWorkspaces | null;
    if (claims.sid === undefined) {
      found = await this.userRows.findByUsernameWithWorkspaces(claims.sub);
    } else {
      const withSession = await this.sessions.check(claims.sub, claims.sid);
      if (withSession && withSession.sessionLastSeenAt === null) throw new UnauthorizedError();
      found = withSession?.principal ?? null;
    }
    if (
      !found ||
      found.user.disabled ||
      (claims.uid !== undefined && claims.uid !== found.user.id) ||
      (claims.ver !== undefined && claims.ver !== tokenVersion(found.user.tokensValidAfter)) ||
      claims.iat < Math.floor(found.user.insertedAt.getTime() / 1000) ||
      claims.iat < tokensValidFrom(found.user.tokensValidAfter)
    ) {
      throw new UnauthorizedError();
    }
    return claims.sid === undefined ? found : { ...found, sessionId: claims.sid };
  }
}

/**
 * The first `iat` (whole seconds) accepted after a password change or disabling at `changedAt`: the next second,
 * so that every token issued in or before the second of the change is refused (logins then issue tokens from it).
 */
export function tokensValidFrom(changedAt: Date | null): number {
  return changedAt === null ? 0 : Math.floor(changedAt.getTime() / 1000) + 1;
}

/** `tokens_valid_after` in microseconds since the epoch (0 when never set): changed by every change that ends tokens. */
export function tokenVersion(changedAt: Date | null): number {
  if (changedAt === null) return 0;
  return changedAt instanceof Timestamp ? changedAt.epochMicroseconds : changedAt.getTime() * 1000;
}

/** The key of a repeated event's row: the action, the username, the client and the minute, hashed to a fixed size. */
function bucketOf(action: string, username: string, client: string): string {
  const minute = Math.floor(Date.now() / 60_000);
  return createHash('sha256')
    .update(JSON.stringify([action, username, client, minute]))
    .digest('hex');
}
