import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Configuration } from 'openid-client';
import { BadGatewayError, BadRequestError, NotFoundError, UnauthorizedError } from '@argilla/common';
import { OAuthProviderSettings, OAuthSettings, SETTINGS, Settings } from '@argilla/config';
import { AccessToken, AuthService } from '../auth.service';
import { OAuthAccountsService } from './oauth-accounts.service';
import { Claims } from './oauth-claims';
import { openState, OAuthState, sealState, stateKey, UsedStates } from './oauth-state';

type OpenIdClient = typeof import('openid-client');

/** How long a sign-in may take between the redirect to the provider and the exchange. */
export const STATE_LIFETIME_SECONDS = 600;

/** Where the request came from, as the server's trust-proxy setting sees it. */
export interface RequestOrigin {
  /** `https` or `http`. */
  readonly protocol: string;
  /** `host[:port]`. */
  readonly host: string;
  /** The client's address and `User-Agent`, kept with the session a sign-in starts. */
  readonly client?: string;
  readonly userAgent?: string;
}

export interface AuthorizationRedirect {
  readonly url: string;
  readonly cookie: {
    readonly name: string;
    readonly value: string;
    readonly path: string;
    readonly maxAgeSeconds: number;
  };
}

/** What the provider sent back to the redirect URI (and the client passed on). */
export interface CallbackParameters {
  readonly code?: string;
  readonly state?: string;
  readonly iss?: string;
  readonly error?: string;
}

/**
 * The OpenID Connect relying party: authorization code flow with PKCE (S256), `state` and `nonce` from
 * openid-client's CSPRNG, sealed in a short-lived HttpOnly cookie, single use; the ID token's signature, issuer,
 * audience, expiry and nonce verified by openid-client. openid-client (ESM) is loaded on the first sign-in only, so
 * that nothing loads it while single sign-on is off.
 */
@Injectable()
export class OAuthService {
  private readonly logger = new Logger('SingleSignOn');
  private client: Promise<OpenIdClient> | undefined;
  private readonly configurations = new Map<string, Promise<Configuration>>();
  /** States already exchanged, until they expire: a replayed cookie is refused by this replica. */
  private readonly usedStates = new UsedStates();
  private key: Buffer | undefined;

  constructor(
    @Inject(SETTINGS) private readonly settings: Settings,
    private readonly auth: AuthService,
    private readonly accounts: OAuthAccountsService,
  ) {}

  /** The configured providers' names; 404 when single sign-on is off. */
  providerNames(): string[] {
    return this.oauth().providers.map((provider) => provider.name);
  }

  /** The provider's authorization URL and the cookie that binds the flow to this browser. */
  async authorizationRedirect(name: string, origin: RequestOrigin): Promise<AuthorizationRedirect> {
    const provider = this.provider(name);
    const client = await this.openIdClient();
    const configuration = await this.configuration(provider);
    const codeVerifier = client.randomPKCECodeVerifier();
    const state: OAuthState = {
      provider: provider.name,
      state: client.randomState(),
      nonce: client.randomNonce(),
      codeVerifier,
      expiresAt: Date.now() + STATE_LIFETIME_SECONDS * 1000,
    };
    const url = client.buildAuthorizationUrl(configuration, {
      redirect_uri: this.redirectUri(provider, origin),
      scope: provider.scope,
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state: state.state,
      nonce: state.nonce,
    });
    return {
      url: url.href,
      cookie: {
        name: stateCookieName(provider.name),
        value: sealState(state, this.stateKey()),
        path: this.stateCookiePath(provider.name),
        maxAgeSeconds: STATE_LIFETIME_SECONDS,
      },
    };
  }

  /**
   * Exchanges the code for tokens, verifies the ID token and signs its user in: the same JWT as a password login.
   * 400 without a valid, unused state cookie matching `state`; 401 when the provider refuses the code, the ID token
   * does not verify, or the account may not sign in this way.
   */
  async exchange(
    name: string,
    parameters: CallbackParameters,
    cookie: string | undefined,
    origin: RequestOrigin,
  ): Promise<AccessToken> {
    const provider = this.provider(name);
    const state = cookie === undefined ? undefined : openState(cookie, this.stateKey());
    if (!state || state.provider !== provider.name || state.expiresAt <= Date.now()) {
      throw new BadRequestError('The sign-in state is missing or has expired: start the sign-in again');
    }
    if (parameters.state !== state.state) throw new BadRequestError("The 'state' parameter does not match");
    if (!this.usedStates.use(state.state, state.expiresAt)) {
      throw new BadRequestError('This sign-in state has already been used');
    }
    if (parameters.error !== undefined) {
      this.logger.warn(`Sign-in through ${provider.name} refused by the provider: ${parameters.error}`);
      throw new UnauthorizedError();
    }
    if (!parameters.code) throw new BadRequestError("The 'code' parameter is missing");

    const client = await this.openIdClient();
    const configuration = await this.configuration(provider);
    const callback = new URL(this.redirectUri(provider, origin));
    for (const key of ['code', 'state', 'iss'] as const) {
      const value = parameters[key];
      if (value !== undefined) callback.searchParams.set(key, value);
    }
    let claims: Claims | undefined;
    try {
      const tokens = await client.authorizationCodeGrant(configuration, callback, {
        pkceCodeVerifier: state.codeVerifier,
        expectedState: state.state,
        expectedNonce: state.nonce,
        idTokenExpected: true,
      });
      claims = tokens.claims();
    } catch (error) {
      this.logger.warn(`Sign-in through ${provider.name} refused: ${describe(error)}`);
      throw new UnauthorizedError();
    }
    if (!claims) throw new UnauthorizedError();
    const user = await this.accounts.signIn(provider, claims, this.oauth().allowedWorkspaces);
    return this.auth.issueToken(user, { client: origin.client, userAgent: origin.userAgent, provider: provider.name });
  }

  /** The provider's name as configured; 404 when single sign-on is off or no provider has it. */
  providerName(name: string): string {
    return this.provider(name).name;
  }

  /** The state cookie goes only to the provider's own routes. */
  stateCookiePath(provider: string): string {
    return `${this.settings.baseUrl}api/v1/oauth2/providers/${provider}`;
  }

  private oauth(): OAuthSettings {
    if (!this.settings.oauth) throw new NotFoundError('Single sign-on is not configured');
    return this.settings.oauth;
  }

  private provider(name: string): OAuthProviderSettings {
    const provider = this.oauth().providers.find((candidate) => candidate.name === name);
    if (!provider) throw new NotFoundError(`OAuth2 provider '${name}' not found`);
    return provider;
  }

  /**
   * Argilla's rule: a path is joined to the request's origin, and the scheme is https unless
   * `allow_http_redirect`. The default is this server's `/oauth/<name>/callback`.
   */
  private redirectUri(provider: OAuthProviderSettings, origin: RequestOrigin): string {
    const path = provider.redirectUri ?? `${this.settings.baseUrl}oauth/${provider.name}/callback`;
    const url = new URL(path, `${origin.protocol}://${origin.host}`);
    if (!this.oauth().allowHttpRedirect) url.protocol = 'https:';
    return url.href;
  }

  private openIdClient(): Promise<OpenIdClient> {
    this.client ??= import('openid-client');
    return this.client;
  }

  /** The provider's discovery document, read once (a failure is not kept: the next sign-in asks again). */
  private configuration(provider: OAuthProviderSettings): Promise<Configuration> {
    let configuration = this.configurations.get(provider.name);
    if (!configuration) {
      configuration = this.discover(provider);
      this.configurations.set(provider.name, configuration);
      configuration.catch(() => this.configurations.delete(provider.name));
    }
    return configuration;
  }

  private async discover(provider: OAuthProviderSettings): Promise<Configuration> {
    const client = await this.openIdClient();
    try {
      return await client.discovery(
        new URL(provider.issuer),
        provider.clientId,
        undefined,
        provider.clientSecret === undefined ? client.None() : client.ClientSecretPost(provider.clientSecret),
        // Plain http to the provider only where http redirects are allowed too (local testing).
        { execute: this.oauth().allowHttpRedirect ? [client.allowInsecureRequests] : [] },
      );
    } catch (error) {
      this.logger.error(`Discovery of ${provider.name} at ${provider.issuer} failed: ${describe(error)}`);
      throw new BadGatewayError(`The OpenID provider '${provider.name}' could not be reached`);
    }
  }

  private stateKey(): Buffer {
    this.key ??= stateKey(this.auth.signingSecret());
    return this.key;
  }
}

export function stateCookieName(provider: string): string {
  return `${provider}_oauth2_state`;
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const {
    code,
    error: reason,
    error_description: description,
  } = error as {
    code?: unknown;
    error?: unknown;
    error_description?: unknown;
  };
  // openid-client words its checks generally; the precise reason (which claim, which header) is its cause's.
  const message = error.cause instanceof Error ? error.cause.message : error.message;
  const parts = [typeof code === 'string' ? code : undefined, message];
  // The provider's own words (RFC 6749 section 5.2), when it sent an error response.
  if (typeof reason === 'string') parts.push(typeof description === 'string' ? `${reason} (${description})` : reason);
  return parts.filter(Boolean).join(': ');
}
