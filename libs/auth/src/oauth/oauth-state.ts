import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/** What the browser carries between the redirect to the provider and the exchange: sealed, never readable. */
export interface OAuthState {
  /** The provider's name: a state of one provider is refused by another. */
  readonly provider: string;
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
  /** Milliseconds since the epoch after which the state is refused. */
  readonly expiresAt: number;
}

const INFO = 'argilla-users single sign-on state cookie';

/** A key of its own, derived from the JWT secret: the cookie's key is never the tokens' key. */
export function stateKey(secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), INFO, 32));
}

/** AES-256-GCM: the cookie can be neither read nor changed by the browser. */
export function sealState(state: OAuthState, key: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(state), 'utf8'), cipher.final()]);
  return [iv, body, cipher.getAuthTag()].map((part) => part.toString('base64url')).join('.');
}

/** The state, or undefined when the value is not one this server sealed (changed, truncated, another key). */
export function openState(value: string, key: Buffer): OAuthState | undefined {
  const parts = value.split('.');
  if (parts.length !== 3) return undefined;
  const [iv, body, tag] = parts.map((part) => Buffer.from(part, 'base64url'));
  if (iv.length !== 12 || tag.length !== 16) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAuthTag(tag);
    const parsed: unknown = JSON.parse(Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const state = parsed as Record<string, unknown>;
    const strings = ['provider', 'state', 'nonce', 'codeVerifier'].every((name) => typeof state[name] === 'string');
    if (!strings || typeof state.expiresAt !== 'number') return undefined;
    return state as unknown as OAuthState;
  } catch {
    return undefined;
  }
}

/**
 * The states this replica has exchanged, until they expire, so that a replayed cookie is refused. Bounded: past
 * `capacity` the oldest is forgotten first. A forgotten state that is replayed still fails, at the provider, since
 * its authorization code was single-use (RFC 6749 §4.1.2); the bound only keeps a flood of sign-ins from growing
 * memory without end. All states live equally long, so insertion order is expiry order.
 */
export class UsedStates {
  private readonly expiries = new Map<string, number>();

  constructor(readonly capacity = 100_000) {}

  get size(): number {
    return this.expiries.size;
  }

  /** Marks `state` used; false when it already was (and has not expired). */
  use(state: string, expiresAt: number, now = Date.now()): boolean {
    this.forgetExpired(now);
    if (this.expiries.has(state)) return false;
    if (this.expiries.size >= this.capacity) this.expiries.delete(this.expiries.keys().next().value!);
    this.expiries.set(state, expiresAt);
    return true;
  }

  private forgetExpired(now: number): void {
    for (const [state, expiresAt] of this.expiries) {
      if (expiresAt > now) break;
      this.expiries.delete(state);
    }
  }
}
