import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { load } from 'js-yaml';
import { isRecord } from '@argilla/common';

/** The variable naming the single sign-on file (Argilla's); relative paths are read from the working directory. */
export const OAUTH_CONFIG_VARIABLE = 'ARGILLA_AUTH_OAUTH_CFG';
export const DEFAULT_OAUTH_CONFIG_FILE = '.oauth.yaml';

/**
 * The top-level key of this server's own settings in the file. Argilla's parser passes unknown top-level keys to
 * `OAuth2Settings(**kwargs)`, which ignores them, while an unknown key inside a provider entry or a workspace entry
 * makes it fail; so everything beyond Argilla's keys lives under this one key.
 */
export const OAUTH_EXTENSION_KEY = 'argilla_users';

/** How a first sign-in may take over a local account that has the same username. */
export const LINK_RULES = ['none', 'verified_email', 'username'] as const;
export type LinkRule = (typeof LINK_RULES)[number];

/** Issuers Argilla knows by name, so that their entries need no issuer. */
const KNOWN_ISSUERS: Readonly<Record<string, string>> = { huggingface: 'https://huggingface.co' };

/** A provider's name in the OAuth file: it names its identities and memberships in the database too. */
export const PROVIDER_NAME = /^[a-z0-9][a-z0-9_-]*$/;

export interface OAuthProviderSettings {
  readonly name: string;
  readonly clientId: string;
  /** Undefined for a public client (PKCE alone). */
  readonly clientSecret: string | undefined;
  readonly scope: string;
  /** Absolute, or a path resolved against the request's origin (Argilla's default `/oauth/<name>/callback`). */
  readonly redirectUri: string | undefined;
  /** The OpenID issuer: its `/.well-known/openid-configuration` describes the provider. */
  readonly issuer: string;
  /** A claim (a dotted path into the ID token's claims) and the values of it that make a user admin. */
  readonly adminClaim: { readonly path: readonly string[]; readonly values: readonly string[] } | undefined;
  /** A claim whose values (a string or a list) name the workspaces the user belongs to through the provider. */
  readonly workspacesClaim: readonly string[] | undefined;
  readonly linkExisting: LinkRule;
  /** For `verified_email`: the email domains whose verified addresses may take over a local account. */
  readonly linkEmailDomains: readonly string[];
}

export interface OAuthSettings {
  /** The file read, absolute. */
  readonly file: string;
  readonly allowHttpRedirect: boolean;
  readonly providers: readonly OAuthProviderSettings[];
  /** Workspaces every user created by a sign-in joins (Argilla's `allowed_workspaces`; they must exist). */
  readonly allowedWorkspaces: readonly string[];
}

type Env = Readonly<Record<string, string | undefined>>;
type Fail = (message: string) => undefined;

/**
 * Reads the single sign-on file. A missing default file means single sign-on is off; a file named by
 * `ARGILLA_AUTH_OAUTH_CFG` that is missing, or any file that does not parse or check, is reported through `fail`.
 * `enabled: false` also means off (undefined).
 */
export function loadOAuthSettings(env: Env, fail: Fail, cwd = process.cwd()): OAuthSettings | undefined {
  const configured = env[OAUTH_CONFIG_VARIABLE]?.trim() || undefined;
  const path = configured ?? DEFAULT_OAUTH_CONFIG_FILE;
  const file = isAbsolute(path) ? path : resolve(cwd, path);
  if (!existsSync(file)) {
    return configured === undefined ? undefined : fail(`names a file that does not exist ('${file}')`);
  }
  let parsed: unknown;
  try {
    parsed = load(readFileSync(file, 'utf8'));
  } catch (error) {
    return fail(`names a file that is not valid YAML ('${file}'): ${(error as Error).message.split('\n')[0]}`);
  }
  const problems: string[] = [];
  const settings = parseOAuthFile(parsed, file, env, (message) => {
    problems.push(message);
    return undefined;
  });
  if (problems.length > 0) return fail(`('${file}'): ${problems.join('; ')}`);
  return settings;
}

function parseOAuthFile(parsed: unknown, file: string, env: Env, fail: Fail): OAuthSettings | undefined {
  if (parsed === undefined || parsed === null) parsed = {};
  if (!isRecord(parsed)) return fail('must be a mapping of keys');
  const enabled = optionalBoolean(parsed, 'enabled', true, fail);
  const allowHttpRedirect = optionalBoolean(parsed, 'allow_http_redirect', false, fail);
  const extension = parsed[OAUTH_EXTENSION_KEY] ?? {};
  if (!isRecord(extension)) return fail(`${OAUTH_EXTENSION_KEY} must be a mapping`);
  const extensionProviders = extension.providers ?? {};
  if (!isRecord(extensionProviders))
    return fail(`${OAUTH_EXTENSION_KEY}.providers must be a mapping of provider names`);
  for (const key of Object.keys(extension)) {
    if (key !== 'providers') fail(`${OAUTH_EXTENSION_KEY}.${key} is not a known key (known: providers)`);
  }

  const rawProviders = parsed.providers ?? [];
  const providers: OAuthProviderSettings[] = [];
  if (!Array.isArray(rawProviders)) {
    fail('providers must be a list');
  } else {
    rawProviders.forEach((entry: unknown, index) => {
      const provider = parseProvider(entry, `providers[${index}]`, env, extensionProviders, fail);
      if (!provider) return;
      if (providers.some((other) => other.name === provider.name)) {
        fail(`providers[${index}].name '${provider.name}' is given twice`);
        return;
      }
      providers.push(provider);
    });
  }
  const named = Array.isArray(rawProviders)
    ? rawProviders.map((entry: unknown) => (isRecord(entry) && typeof entry.name === 'string' ? entry.name.trim() : ''))
    : [];
  for (const name of Object.keys(extensionProviders)) {
    if (!named.includes(name)) {
      fail(`${OAUTH_EXTENSION_KEY}.providers.${name} names no provider of the providers list`);
    }
  }

  const rawWorkspaces = parsed.allowed_workspaces ?? [];
  const allowedWorkspaces: string[] = [];
  if (!Array.isArray(rawWorkspaces)) {
    fail('allowed_workspaces must be a list of {name: ...}');
  } else {
    rawWorkspaces.forEach((entry: unknown, index) => {
      if (!isRecord(entry) || typeof entry.name !== 'string' || entry.name.trim() === '') {
        fail(`allowed_workspaces[${index}] must be {name: <workspace>}`);
        return;
      }
      allowedWorkspaces.push(entry.name.trim());
    });
  }
  if (enabled && Array.isArray(rawProviders) && rawProviders.length === 0)
    fail('providers must name at least one provider');
  if (!enabled) return undefined;
  return { file, allowHttpRedirect, providers, allowedWorkspaces };
}

function parseProvider(
  entry: unknown,
  where: string,
  env: Env,
  extensions: Record<string, unknown>,
  fail: Fail,
): OAuthProviderSettings | undefined {
  if (!isRecord(entry)) return fail(`${where} must be a mapping`);
  const name = typeof entry.name === 'string' ? entry.name.trim() : '';
  if (!PROVIDER_NAME.test(name)) {
    return fail(`${where}.name must be lowercase letters, digits, - and _ (got '${String(entry.name ?? '')}')`);
  }
  const at = `${where} (${name})`;
  const fromEnv = (property: string): string | undefined => {
    const value = env[`OAUTH2_${name.toUpperCase()}_${property}`]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const text = (key: string, envName: string): string | undefined => {
    const value = entry[key];
    if (value !== undefined && value !== null && typeof value !== 'string') {
      fail(`${at}.${key} must be a string`);
      return undefined;
    }
    return (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined) ?? fromEnv(envName);
  };
  const clientId = text('client_id', 'CLIENT_ID');
  if (clientId === undefined) fail(`${at}.client_id is required (or OAUTH2_${name.toUpperCase()}_CLIENT_ID)`);
  const clientSecret = text('client_secret', 'CLIENT_SECRET');
  const rawScope = entry.scope;
  const scope = Array.isArray(rawScope)
    ? rawScope.filter((item): item is string => typeof item === 'string').join(' ')
    : (text('scope', 'SCOPE') ?? 'openid profile email');
  if (!scope.split(/\s+/).includes('openid')) fail(`${at}.scope must include openid (got '${scope}')`);
  const redirectUri = text('redirect_uri', 'REDIRECT_URI');
  if (redirectUri !== undefined && !redirectUri.startsWith('/') && !isHttpUrl(redirectUri)) {
    fail(`${at}.redirect_uri must be an http(s) URL or a path starting with / (got '${redirectUri}')`);
  }
  const oidcEndpoint = text('oidc_endpoint', 'OIDC_ENDPOINT');

  const extension = extensions[name] ?? {};
  const ext = `${OAUTH_EXTENSION_KEY}.providers.${name}`;
  if (!isRecord(extension)) return fail(`${ext} must be a mapping`);
  const known = ['issuer', 'admin_claim', 'admin_values', 'workspaces_claim', 'link_existing', 'link_email_domains'];
  for (const key of Object.keys(extension)) {
    if (!known.includes(key)) fail(`${ext}.${key} is not a known key (known: ${known.join(', ')})`);
  }
  const extText = (key: string): string | undefined => {
    const value = extension[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string' || value.trim() === '') return fail(`${ext}.${key} must be a non-empty string`);
    return value.trim();
  };
  const extList = (key: string): string[] => {
    const value = extension[key];
    if (value === undefined || value === null) return [];
    const list = typeof value === 'string' ? [value] : value;
    if (!Array.isArray(list) || !list.every((item) => typeof item === 'string' || typeof item === 'number')) {
      fail(`${ext}.${key} must be a string or a list of strings`);
      return [];
    }
    return list.map((item) => String(item).trim()).filter(Boolean);
  };

  const issuerText =
    extText('issuer') ??
    (oidcEndpoint === undefined ? undefined : oidcEndpoint.replace(/\/\.well-known\/openid-configuration\/?$/, '')) ??
    KNOWN_ISSUERS[name];
  let issuer: string | undefined;
  if (issuerText === undefined) {
    fail(
      `${ext}.issuer is required: the provider's OpenID issuer URL (discovery reads <issuer>/.well-known/openid-configuration)`,
    );
  } else if (!isHttpUrl(issuerText)) {
    fail(`${ext}.issuer must be an http(s) URL (got '${issuerText}')`);
  } else {
    issuer = issuerText;
  }

  const adminPath = extText('admin_claim');
  const adminValues = extList('admin_values');
  if ((adminPath === undefined) !== (adminValues.length === 0)) {
    fail(`${ext}.admin_claim and ${ext}.admin_values go together: the claim, and the values of it that make an admin`);
  }
  const workspacesClaim = extText('workspaces_claim');

  const rawRule = extension.link_existing ?? 'none';
  let linkExisting: LinkRule = 'none';
  if (typeof rawRule !== 'string' || !(LINK_RULES as readonly string[]).includes(rawRule)) {
    fail(`${ext}.link_existing must be one of ${LINK_RULES.join(', ')} (got '${String(rawRule)}')`);
  } else {
    linkExisting = rawRule as LinkRule;
  }
  const linkEmailDomains = extList('link_email_domains').map((domain) => domain.toLowerCase());
  if (linkExisting === 'verified_email' && linkEmailDomains.length === 0) {
    fail(`${ext}.link_email_domains must name the email domains trusted for link_existing: verified_email`);
  }

  if (clientId === undefined || issuer === undefined) return undefined;
  return {
    name,
    clientId,
    clientSecret,
    scope,
    redirectUri,
    issuer,
    adminClaim: adminPath === undefined ? undefined : { path: adminPath.split('.'), values: adminValues },
    workspacesClaim: workspacesClaim?.split('.'),
    linkExisting,
    linkEmailDomains,
  };
}

function optionalBoolean(record: Record<string, unknown>, key: string, fallback: boolean, fail: Fail): boolean {
  const value = record[key];
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'boolean') return value;
  fail(`${key} must be true or false (got '${String(value)}')`);
  return fallback;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}
