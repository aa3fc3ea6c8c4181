import { randomBytes } from 'node:crypto';
import { Controller, Get, Inject, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { OAuthService } from '@argilla/auth';
import { SETTINGS, Settings } from '@argilla/config';
import { Access } from '../auth/access.decorator';
import { callbackPage } from './callback-page';

/** The default redirect URI (Argilla's `/oauth/<provider>/callback`): a page of the server's own. */
@ApiExcludeController()
@Access('public')
@Controller('oauth')
export class OAuthCallbackController {
  constructor(
    private readonly oauth: OAuthService,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  @Get(':provider/callback')
  page(@Param('provider') provider: string, @Res() response: Response): void {
    // 404 (in the envelope) when single sign-on is off or the provider unknown.
    const name = this.oauth.providerName(provider);
    const nonce = randomBytes(16).toString('base64');
    response.setHeader(
      'Content-Security-Policy',
      `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; ` +
        "img-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    response.type('html').send(callbackPage(name, this.settings.baseUrl, nonce));
  }
}
