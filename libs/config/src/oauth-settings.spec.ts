import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidSettingsError, loadSettings } from './settings';

describe('single sign-on settings (ARGILLA_AUTH_OAUTH_CFG)', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'oauth-settings-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const write = (text: string, name = 'oauth.yaml'): string => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };
  const problemsOf = (env: Record<string, string>): string[] => {
    try {
      loadSettings(env);
    } catch (error) {
      if (error instanceof InvalidSettingsError) return error.problems.map((p) => `${p.variable} ${p.message}`);
      throw error;
    }
    return [];
  };

  it('is off when the default file does not exist', () => {
    expect(loadSettings({}).oauth).toBeUndefined();
  });

  it('reads the default file relative to the working directory', () => {
    write('providers:\n  - name: huggingface\n    client_id: hf\n', '.oauth.yaml');
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      expect(loadSettings({}).oauth?.file).toBe(join(dir, '.oauth.yaml'));
    } finally {
      process.chdir(cwd);
    }
  });

  it("reads Argilla's keys, with secrets from OAUTH2_<NAME>_* and the extensions under argilla_users", () => {
    const file = write(
      [
        'enabled: true',
        'allow_http_redirect: true',
        'providers:',
        '  - name: keycloak',
        '    client_id: argilla',
        '    redirect_uri: https://argilla.example.com/oauth/keycloak/callback',
        '  - name: huggingface',
        '    client_id: hf',
        '    client_secret: from-file',
        'allowed_workspaces:',
        '  - name: argilla',
        'argilla_users:',
        '  providers:',
        '    keycloak:',
        '      issuer: https://sso.example.com/realms/main',
        '      admin_claim: realm_access.roles',
        '      admin_values: [argilla-admin]',
        '      workspaces_claim: groups',
        '      link_existing: verified_email',
        '      link_email_domains: [Example.com]',
      ].join('\n'),
    );
    const oauth = loadSettings({
      ARGILLA_AUTH_OAUTH_CFG: file,
      OAUTH2_KEYCLOAK_CLIENT_SECRET: 'from-env',
      OAUTH2_KEYCLOAK_SCOPE: 'openid email groups',
      OAUTH2_HUGGINGFACE_CLIENT_SECRET: 'ignored: the file has one',
    }).oauth;
    expect(oauth).toEqual({
      file,
      allowHttpRedirect: true,
      allowedWorkspaces: ['argilla'],
      providers: [
        {
          name: 'keycloak',
          clientId: 'argilla',
          clientSecret: 'from-env',
          scope: 'openid email groups',
          redirectUri: 'https://argilla.example.com/oauth/keycloak/callback',
          issuer: 'https://sso.example.com/realms/main',
          adminClaim: { path: ['realm_access', 'roles'], values: ['argilla-admin'] },
          workspacesClaim: ['groups'],
          linkExisting: 'verified_email',
          linkEmailDomains: ['example.com'],
        },
        {
          name: 'huggingface',
          clientId: 'hf',
          clientSecret: 'from-file',
          scope: 'openid profile email',
          redirectUri: undefined,
          issuer: 'https://huggingface.co',
          adminClaim: undefined,
          workspacesClaim: undefined,
          linkExisting: 'none',
          linkEmailDomains: [],
        },
      ],
    });
  });

  it('takes the issuer from oidc_endpoint too', () => {
    const file = write(
      'providers:\n  - name: dex\n    client_id: a\n    oidc_endpoint: https://dex.example.com/.well-known/openid-configuration\n',
    );
    expect(loadSettings({ ARGILLA_AUTH_OAUTH_CFG: file }).oauth?.providers[0].issuer).toBe('https://dex.example.com');
  });

  it('is off with enabled: false', () => {
    const file = write('enabled: false\nproviders:\n  - name: huggingface\n    client_id: hf\n');
    expect(loadSettings({ ARGILLA_AUTH_OAUTH_CFG: file }).oauth).toBeUndefined();
  });

  it('stops the start when the named file does not exist', () => {
    const file = join(dir, 'missing.yaml');
    expect(problemsOf({ ARGILLA_AUTH_OAUTH_CFG: file })).toEqual([
      `ARGILLA_AUTH_OAUTH_CFG names a file that does not exist ('${file}')`,
    ]);
  });

  it('stops the start on a file that is not YAML', () => {
    const file = write('providers: [unclosed\n');
    expect(problemsOf({ ARGILLA_AUTH_OAUTH_CFG: file })).toEqual([
      expect.stringMatching(
        new RegExp(`^ARGILLA_AUTH_OAUTH_CFG names a file that is not valid YAML \\('${file}'\\): `),
      ),
    ]);
  });

  it('names every bad key of the file at once', () => {
    const file = write(
      [
        'enabled: maybe',
        'providers:',
        '  - name: Key Cloak',
        '  - name: okta',
        '    scope: profile',
        '    redirect_uri: ftp://x',
        '  - name: google',
        '    client_id: g',
        'allowed_workspaces: [argilla]',
        'argilla_users:',
        '  extra: 1',
        '  providers:',
        '    google:',
        '      issuer: not a url',
        '      admin_claim: roles',
        '      link_existing: email',
        '      colour: blue',
        '    nobody: {}',
      ].join('\n'),
    );
    expect(problemsOf({ ARGILLA_AUTH_OAUTH_CFG: file })).toEqual([
      `ARGILLA_AUTH_OAUTH_CFG ('${file}'): ` +
        [
          "enabled must be true or false (got 'maybe')",
          'argilla_users.extra is not a known key (known: providers)',
          "providers[0].name must be lowercase letters, digits, - and _ (got 'Key Cloak')",
          'providers[1] (okta).client_id is required (or OAUTH2_OKTA_CLIENT_ID)',
          "providers[1] (okta).scope must include openid (got 'profile')",
          "providers[1] (okta).redirect_uri must be an http(s) URL or a path starting with / (got 'ftp://x')",
          "argilla_users.providers.okta.issuer is required: the provider's OpenID issuer URL (discovery reads <issuer>/.well-known/openid-configuration)",
          'argilla_users.providers.google.colour is not a known key (known: issuer, admin_claim, admin_values, workspaces_claim, link_existing, link_email_domains)',
          "argilla_users.providers.google.issuer must be an http(s) URL (got 'not a url')",
          'argilla_users.providers.google.admin_claim and argilla_users.providers.google.admin_values go together: the claim, and the values of it that make an admin',
          "argilla_users.providers.google.link_existing must be one of none, verified_email, username (got 'email')",
          'argilla_users.providers.nobody names no provider of the providers list',
          'allowed_workspaces[0] must be {name: <workspace>}',
        ].join('; '),
    ]);
  });

  it('needs trusted domains for linking by verified email', () => {
    const file = write(
      'providers:\n  - name: huggingface\n    client_id: hf\nargilla_users:\n  providers:\n    huggingface:\n      link_existing: verified_email\n',
    );
    expect(problemsOf({ ARGILLA_AUTH_OAUTH_CFG: file })).toEqual([
      `ARGILLA_AUTH_OAUTH_CFG ('${file}'): argilla_users.providers.huggingface.link_email_domains must name the email domains trusted for link_existing: verified_email`,
    ]);
  });
});
