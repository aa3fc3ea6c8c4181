import type { OAuthProviderSettings } from '@argilla/config';
import {
  adminFromClaims,
  claimAt,
  mayLink,
  namesFromClaims,
  usernameFromClaims,
  workspacesFromClaims,
} from './oauth-claims';

const PROVIDER: OAuthProviderSettings = {
  name: 'keycloak',
  clientId: 'argilla',
  clientSecret: undefined,
  scope: 'openid',
  redirectUri: undefined,
  issuer: 'https://sso.example.com',
  adminClaim: { path: ['realm_access', 'roles'], values: ['argilla-admin'] },
  workspacesClaim: ['groups'],
  linkExisting: 'none',
  linkEmailDomains: [],
};

describe('single sign-on claims', () => {
  it('reads a dotted path, a key with dots whole first', () => {
    const claims = { realm_access: { roles: ['a'] }, 'https://x.example/roles': ['b'] };
    expect(claimAt(claims, ['realm_access', 'roles'])).toEqual(['a']);
    expect(claimAt(claims, ['https://x', 'example/roles'])).toEqual(['b']);
    expect(claimAt(claims, ['realm_access', 'roles', 'deeper'])).toBeUndefined();
    expect(claimAt(claims, ['missing'])).toBeUndefined();
  });

  it('makes an admin only when the claim holds one of the values; undefined without a mapping', () => {
    expect(adminFromClaims(PROVIDER, { realm_access: { roles: ['x', 'argilla-admin'] } })).toBe(true);
    expect(adminFromClaims(PROVIDER, { realm_access: { roles: 'argilla-admin' } })).toBe(true);
    expect(adminFromClaims(PROVIDER, { realm_access: { roles: ['argilla-admins'] } })).toBe(false);
    expect(adminFromClaims(PROVIDER, {})).toBe(false);
    expect(adminFromClaims({ ...PROVIDER, adminClaim: undefined }, { roles: ['argilla-admin'] })).toBeUndefined();
  });

  it('maps a group claim to workspace names, dropping a leading slash and repeats', () => {
    expect(workspacesFromClaims(PROVIDER, { groups: ['/team', 'lab', 'team', 7, { no: 1 }] })).toEqual([
      'team',
      'lab',
      '7',
    ]);
    expect(workspacesFromClaims(PROVIDER, { groups: 'solo' })).toEqual(['solo']);
    expect(workspacesFromClaims(PROVIDER, {})).toEqual([]);
    expect(workspacesFromClaims({ ...PROVIDER, workspacesClaim: undefined }, { groups: ['x'] })).toBeUndefined();
  });

  it("names a user from preferred_username, else the email's local part, as a valid username", () => {
    expect(usernameFromClaims({ preferred_username: 'Ada.Lovelace', email: 'x@y.z' })).toBe('ada-lovelace');
    expect(usernameFromClaims({ preferred_username: '__', email: 'Grace+Hopper@navy.mil' })).toBe('grace-hopper');
    expect(usernameFromClaims({ preferred_username: '-_bob' })).toBe('bob');
    expect(usernameFromClaims({ email: '@nothing' })).toBeUndefined();
    expect(usernameFromClaims({})).toBeUndefined();
  });

  it('takes the names from given_name and family_name, else name, else the username', () => {
    expect(namesFromClaims({ given_name: 'Ada', family_name: 'Lovelace', name: 'x' }, 'ada')).toEqual({
      firstName: 'Ada',
      lastName: 'Lovelace',
    });
    expect(namesFromClaims({ name: 'Ada Lovelace' }, 'ada')).toEqual({ firstName: 'Ada Lovelace', lastName: null });
    expect(namesFromClaims({ name: ' ' }, 'ada')).toEqual({ firstName: 'ada', lastName: null });
  });

  it('links a local account only under the rule the admin chose', () => {
    const verified = { email: 'Ada@Example.com', email_verified: true };
    expect(mayLink('none', ['example.com'], verified, 'ada')).toBe(false);
    expect(mayLink('username', [], {}, 'ada')).toBe(true);
    expect(mayLink('verified_email', ['example.com'], verified, 'ada')).toBe(true);
    expect(mayLink('verified_email', ['example.com'], { ...verified, email_verified: 'true' }, 'ada')).toBe(false);
    expect(mayLink('verified_email', ['example.com'], { ...verified, email_verified: false }, 'ada')).toBe(false);
    expect(mayLink('verified_email', ['example.org'], verified, 'ada')).toBe(false);
    expect(mayLink('verified_email', ['example.com'], verified, 'bob')).toBe(false);
    expect(mayLink('verified_email', ['example.com'], { email_verified: true }, 'ada')).toBe(false);
  });
});
