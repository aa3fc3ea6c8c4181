import type { LinkRule, OAuthProviderSettings } from '@argilla/config';

/** The ID token's claims, as the provider signed them. */
export type Claims = Readonly<Record<string, unknown>>;

/** The value at a dotted path (`realm_access.roles`); a key that itself contains dots is tried whole first. */
export function claimAt(claims: Claims, path: readonly string[]): unknown {
  const whole = path.join('.');
  if (whole in claims) return claims[whole];
  let value: unknown = claims;
  for (const key of path) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** A claim's values as strings: a string is one value, a list its string and number items; anything else none. */
export function claimValues(value: unknown): string[] {
  const list = Array.isArray(value) ? value : [value];
  return list
    .filter((item): item is string | number => typeof item === 'string' || typeof item === 'number')
    .map(String);
}

/** Whether the claims make the user admin; undefined when the provider maps no role (the role is left alone). */
export function adminFromClaims(provider: OAuthProviderSettings, claims: Claims): boolean | undefined {
  if (!provider.adminClaim) return undefined;
  const values = claimValues(claimAt(claims, provider.adminClaim.path));
  return values.some((value) => provider.adminClaim!.values.includes(value));
}

/**
 * The workspace names the claims grant; undefined when the provider maps no workspaces. Keycloak writes groups as
 * paths (`/annotators`): a leading slash is dropped.
 */
export function workspacesFromClaims(provider: OAuthProviderSettings, claims: Claims): string[] | undefined {
  if (!provider.workspacesClaim) return undefined;
  const names = claimValues(claimAt(claims, provider.workspacesClaim)).map((name) => name.replace(/^\//, ''));
  return [...new Set(names.filter(Boolean))];
}

const MAX_USERNAME = 255;

/**
 * A username from `preferred_username`, else the email's local part: lowercased, every run of characters outside
 * `[a-z0-9_-]` turned into `-`, leading `-` and `_` dropped (Argilla's username pattern). Undefined when nothing is left.
 */
export function usernameFromClaims(claims: Claims): string | undefined {
  const email = typeof claims.email === 'string' ? claims.email : undefined;
  const candidates = [claims.preferred_username, email?.split('@')[0]];
  for (const candidate of candidates) {
    if (typeof candidate !== 'string') continue;
    const username = normaliseUsername(candidate);
    if (username) return username;
  }
  return undefined;
}

export function normaliseUsername(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[-_]+/, '')
    .slice(0, MAX_USERNAME);
}

/** The name shown for a created user: `given_name`, else `name`, else the username. */
export function namesFromClaims(claims: Claims, username: string): { firstName: string; lastName: string | null } {
  const text = (value: unknown): string | undefined =>
    typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
  const given = text(claims.given_name);
  if (given) return { firstName: given, lastName: text(claims.family_name) ?? null };
  return { firstName: text(claims.name) ?? username, lastName: null };
}

/**
 * Whether a first sign-in may take over the local account named `username` (the name it would get), under the
 * provider's rule: `username` trusts the provider's usernames; `verified_email` needs `email_verified: true`, an
 * email in one of the trusted domains, and its local part normalised to that username; `none` never.
 */
export function mayLink(rule: LinkRule, domains: readonly string[], claims: Claims, username: string): boolean {
  if (rule === 'username') return true;
  if (rule !== 'verified_email') return false;
  if (claims.email_verified !== true || typeof claims.email !== 'string') return false;
  const at = claims.email.lastIndexOf('@');
  if (at <= 0) return false;
  const domain = claims.email.slice(at + 1).toLowerCase();
  return domains.includes(domain) && normaliseUsername(claims.email.slice(0, at)) === username;
}
