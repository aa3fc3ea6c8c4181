import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  EntityAlreadyExistsError,
  EntityNotFoundError,
  formatTimestamp,
  now,
  parseIsoTime,
  Timestamp,
  ValidationError,
} from '@argilla/common';
import { SETTINGS, Settings } from '@argilla/config';
import { AuditLog, Database, isUniqueViolation, PersonalAccessToken, TokenScope } from '@argilla/database';
import {
  generateAccessTokenSecret,
  hashAccessTokenSecret,
  isAccessTokenSecret,
  shownPrefix,
} from './access-token-secret';
import { DEFAULT_TOKEN_SCOPE } from './create-access-token.dto';
import { PersonalAccessTokensRepository } from './personal-access-tokens.repository';
import { UserWithWorkspaces } from './user-response';

const DAY_MS = 86_400_000;
/** `last_used_at` is written at most this often per token: not a write per request. */
export const LAST_USED_RESOLUTION_MS = 60_000;

/** What creating a token takes; the API and the CLI validate their input into this. */
export interface NewAccessToken {
  name: string;
  scope?: TokenScope;
  /** Days from now; or… */
  expiresInDays?: number;
  /** …an ISO 8601 time (UTC when it has no zone). Neither: the server's maximum, or never. */
  expiresAt?: string;
}

/** A token just created, with its secret: shown this once, never stored. */
export interface CreatedAccessToken {
  token: PersonalAccessToken;
  secret: string;
}

/** A request authenticated by a token: its user, and what the token allows. */
export interface AccessTokenPrincipal extends UserWithWorkspaces {
  scope: TokenScope;
}

const expiryError = (field: 'expires_at' | 'expires_in_days', msg: string, type: string): ValidationError =>
  new ValidationError([{ loc: ['body', field], msg, type }]);

/**
 * Personal access tokens: created (the secret returned once, its SHA-256 stored), listed, revoked, and checked at
 * every request that presents one. Nothing is cached in the process: a revocation, an expiry, a disabling or a
 * password change (which delete the user's tokens, UsersService) is seen by the next request on every replica.
 */
@Injectable()
export class PersonalAccessTokensService {
  constructor(
    @Inject(SETTINGS) private readonly settings: Settings,
    private readonly database: Database,
    private readonly repository: PersonalAccessTokensRepository,
    private readonly audit: AuditLog,
  ) {}

  /**
   * A new token for the user. Its name must be free among the user's tokens (409, also when two requests race);
   * its expiry must be in the future and within `ARGILLA_ACCESS_TOKEN_MAX_DAYS` (422).
   */
  async create(userId: string, input: NewAccessToken): Promise<CreatedAccessToken> {
    const createdAt = now();
    const expiresAt = this.expiryOf(input, createdAt);
    const secret = generateAccessTokenSecret();
    const token = Object.assign(new PersonalAccessToken(), {
      id: randomUUID(),
      userId,
      name: input.name,
      scope: input.scope ?? DEFAULT_TOKEN_SCOPE,
      prefix: shownPrefix(secret),
      tokenHash: hashAccessTokenSecret(secret),
      createdAt,
      expiresAt,
      lastUsedAt: null,
    });
    try {
      await this.database.transaction(async (manager) => {
        if (await this.repository.existsByName(userId, input.name, manager)) {
          throw new EntityAlreadyExistsError(input.name, 'PersonalAccessToken');
        }
        await this.repository.insert(token, manager);
        await this.audit.record(manager, {
          action: 'token.created',
          target: tokenTarget(token),
          details: {
            user_id: userId,
            scope: token.scope,
            expires_at: token.expiresAt === null ? null : formatTimestamp(token.expiresAt),
          },
        });
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new EntityAlreadyExistsError(input.name, 'PersonalAccessToken');
      throw error;
    }
    return { token, secret };
  }

  private expiryOf(input: NewAccessToken, from: Timestamp): Date | null {
    const maxDays = this.settings.auth.accessTokenMaxDays;
    const latest = maxDays > 0 ? new Timestamp(from.epochMicroseconds + maxDays * DAY_MS * 1000) : undefined;
    if (input.expiresAt !== undefined && input.expiresInDays !== undefined) {
      throw expiryError('expires_at', 'give either expires_at or expires_in_days, not both', 'value_error.conflict');
    }
    if (input.expiresInDays !== undefined) {
      if (maxDays > 0 && input.expiresInDays > maxDays) {
        throw expiryError(
          'expires_in_days',
          `ensure this value is less than or equal to ${maxDays} (the server's maximum)`,
          'value_error.number.not_le',
        );
      }
      return new Timestamp(from.epochMicroseconds + input.expiresInDays * DAY_MS * 1000);
    }
    if (input.expiresAt !== undefined) {
      const at = parseIsoTime(input.expiresAt);
      if (at === null) throw expiryError('expires_at', 'invalid datetime format', 'value_error.datetime');
      if (at.getTime() <= from.getTime()) {
        throw expiryError('expires_at', 'ensure this time is in the future', 'value_error.datetime.past');
      }
      if (latest && at.getTime() > latest.getTime()) {
        throw expiryError(
          'expires_at',
          `ensure this time is at most ${maxDays} days ahead (the server's maximum)`,
          'value_error.datetime.too_late',
        );
      }
      return at;
    }
    return latest ?? null;
  }

  /** The user's tokens, oldest first. */
  list(userId: string): Promise<PersonalAccessToken[]> {
    return this.repository.ofUser(userId);
  }

  page(userId: string, limit: number, offset: number): Promise<{ items: PersonalAccessToken[]; total: number }> {
    return this.repository.page(userId, limit, offset);
  }

  /** Deletes the user's token `tokenId` and returns it; 404 when the user has no such token (someone else's too). */
  async revoke(userId: string, tokenId: string): Promise<PersonalAccessToken> {
    return this.database.transaction(async (manager) => {
      const token = await this.repository.findOne(userId, tokenId, manager);
      if (!token) throw new EntityNotFoundError(tokenId, 'PersonalAccessToken');
      await this.repository.delete(token.id, manager);
      await this.audit.record(manager, {
        action: 'token.revoked',
        target: tokenTarget(token),
        details: { user_id: userId },
      });
      return token;
    });
  }

  /** As `revoke`, the token named by its name or its id (the CLI). */
  async revokeByNameOrId(userId: string, nameOrId: string): Promise<PersonalAccessToken> {
    return this.database.transaction(async (manager) => {
      const byName = await this.repository.findByName(userId, nameOrId, manager);
      const token =
        byName ?? (UUID.test(nameOrId) ? await this.repository.findOne(userId, nameOrId.toLowerCase(), manager) : null);
      if (!token) throw new EntityNotFoundError(nameOrId, 'PersonalAccessToken');
      await this.repository.delete(token.id, manager);
      await this.audit.record(manager, {
        action: 'token.revoked',
        target: tokenTarget(token),
        details: { user_id: userId },
      });
      return token;
    });
  }

  /**
   * The user of a token secret, or null: unknown, expired (deleted as it is met), or a disabled user's. One indexed
   * lookup; `last_used_at` is written when it is a minute old or more.
   */
  async authenticate(secret: string): Promise<AccessTokenPrincipal | null> {
    if (!isAccessTokenSecret(secret)) return null;
    const found = await this.repository.findByHash(hashAccessTokenSecret(secret));
    if (!found) return null;
    const at = now();
    if (found.expiresAt !== null && found.expiresAt.getTime() <= at.getTime()) {
      await this.repository.deleteByStoredId(found.storedId);
      return null;
    }
    const { user } = found.principal;
    // Password changes and disablings delete the user's tokens; this also refuses one whose creation raced with
    // such a change (created before it, written after its delete).
    if (user.disabled || (user.tokensValidAfter !== null && !isAfter(found.createdAt, user.tokensValidAfter))) {
      return null;
    }
    const cutoff = new Date(at.getTime() - LAST_USED_RESOLUTION_MS);
    if (found.lastUsedAt === null || found.lastUsedAt.getTime() < cutoff.getTime()) {
      await this.repository.touchLastUsed(found.storedId, at, cutoff);
    }
    return { ...found.principal, scope: found.scope };
  }

  /** Deletes every expired token (the periodic sweep); how many. */
  purgeExpired(): Promise<number> {
    return this.repository.deleteExpired(now());
  }
}

/** Whether `a` is later than `b`, to the microsecond. */
function isAfter(a: Date, b: Date): boolean {
  const micros = (date: Date) => (date instanceof Timestamp ? date.epochMicroseconds : date.getTime() * 1000);
  return micros(a) > micros(b);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A token as an audit event's target (its name; never its secret). */
function tokenTarget(token: PersonalAccessToken): { type: string; id: string; name: string } {
  return { type: 'personal_access_token', id: token.id, name: token.name };
}
