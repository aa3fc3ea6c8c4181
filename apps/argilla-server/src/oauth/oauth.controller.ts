import { Controller, Get, Header, Param, Req, Res } from '@nestjs/common';
import {
  ApiBadGatewayResponse,
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiSeeOtherResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AccessToken, CallbackParameters, OAuthService, RequestOrigin, stateCookieName } from '@argilla/auth';
import { Access } from '../auth/access.decorator';
import { AccessTokenDto, ErrorEnvelopeDto } from '../docs/responses';

/** Argilla's OAuth2 routes (Argilla 1.23 and later), over OpenID Connect. */
@ApiTags('oauth2')
@Access('public')
@ApiNotFoundResponse({ description: 'Single sign-on is off, or no such provider', type: ErrorEnvelopeDto })
@Controller('api/v1/oauth2/providers')
export class OAuthController {
  constructor(private readonly oauth: OAuthService) {}

  @Get()
  @ApiOperation({ summary: 'The configured single sign-on providers' })
  @ApiOkResponse({
    schema: {
      type: 'object',
      properties: { items: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' } } } } },
    },
  })
  list(): { items: { name: string }[] } {
    return { items: this.oauth.providerNames().map((name) => ({ name })) };
  }

  @Get(':provider/authentication')
  @ApiOperation({ summary: "Starts a sign-in: redirects (303) to the provider and sets the flow's state cookie" })
  @ApiSeeOtherResponse({ description: "To the provider's authorization endpoint" })
  @ApiBadGatewayResponse({ description: 'The provider could not be reached', type: ErrorEnvelopeDto })
  async authenticate(
    @Param('provider') provider: string,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    const redirect = await this.oauth.authorizationRedirect(provider, originOf(request));
    response.cookie(redirect.cookie.name, redirect.cookie.value, {
      httpOnly: true,
      sameSite: 'lax',
      secure: request.secure,
      path: redirect.cookie.path,
      maxAge: redirect.cookie.maxAgeSeconds * 1000,
    });
    response.redirect(303, redirect.url);
  }

  @Get(':provider/access-token')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: "Completes a sign-in with the provider's code and state; returns the same bearer JWT as a password login",
  })
  @ApiQuery({ name: 'code', required: true })
  @ApiQuery({ name: 'state', required: true })
  @ApiQuery({ name: 'iss', required: false, description: "The provider's issuer (RFC 9207), when it sends one" })
  @ApiOkResponse({ type: AccessTokenDto })
  @ApiBadRequestResponse({ description: 'No state cookie, or a state that does not match', type: ErrorEnvelopeDto })
  @ApiUnauthorizedResponse({
    description: 'The provider refused the code, the ID token did not verify, or this account may not sign in so',
    type: ErrorEnvelopeDto,
  })
  @ApiBadGatewayResponse({ description: 'The provider could not be reached', type: ErrorEnvelopeDto })
  async accessToken(
    @Param('provider') provider: string,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<AccessToken> {
    const name = stateCookieName(provider);
    const cookie = readCookie(request.headers.cookie, name);
    if (cookie !== undefined) {
      // Single use: whatever the outcome, the browser drops it.
      response.clearCookie(name, {
        httpOnly: true,
        sameSite: 'lax',
        secure: request.secure,
        path: this.oauth.stateCookiePath(provider),
      });
    }
    const query = request.query;
    const text = (key: string): string | undefined => (typeof query[key] === 'string' ? query[key] : undefined);
    const parameters: CallbackParameters = {
      code: text('code'),
      state: text('state'),
      iss: text('iss'),
      error: text('error'),
    };
    return this.oauth.exchange(provider, parameters, cookie, originOf(request));
  }
}

function originOf(request: Request): RequestOrigin {
  return {
    protocol: request.protocol,
    host: request.get('host') ?? 'localhost',
    client: request.ip,
    userAgent: request.get('user-agent'),
  };
}

/** One cookie's value from a `Cookie` header (RFC 6265 syntax; values are base64url, never quoted or encoded). */
function readCookie(header: string | undefined, name: string): string | undefined {
  for (const pair of (header ?? '').split(';')) {
    const at = pair.indexOf('=');
    if (at > 0 && pair.slice(0, at).trim() === name) return pair.slice(at + 1).trim();
  }
  return undefined;
}
