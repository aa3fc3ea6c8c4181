import { Body, Controller, Header, Headers, HttpCode, Ip, Post } from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { AccessToken, AuthService, TooManyLoginAttemptsError } from '@argilla/auth';
import { UnauthorizedError } from '@argilla/common';
import { Access } from '../auth/access.decorator';
import { ApiValidationError } from '../docs/error-responses';
import { AccessTokenDto, ErrorEnvelopeDto } from '../docs/responses';
import { MetricsService } from '../observability/metrics.service';
import { TokenRequestDto } from './token-request.dto';

@ApiTags('security')
@Controller('api/security')
export class SecurityController {
  constructor(
    private readonly auth: AuthService,
    private readonly metrics: MetricsService,
  ) {}

  @Post('token')
  @HttpCode(200)
  @Access('public')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Log in with username and password; returns a bearer JWT',
    description:
      'Each login is a session, which the JWT names: `POST /api/v1/me/logout` ends it, and ' +
      "`GET /api/v1/me/sessions` lists the caller's sessions.",
  })
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiBody({ type: TokenRequestDto })
  @ApiOkResponse({ type: AccessTokenDto })
  @ApiUnauthorizedResponse({ description: 'Unknown username or wrong password', type: ErrorEnvelopeDto })
  @ApiTooManyRequestsResponse({
    description: 'Too many failed logins for this username or from this client; see Retry-After',
    type: ErrorEnvelopeDto,
  })
  @ApiValidationError()
  @ApiServiceUnavailableResponse({ description: 'The database cannot be reached', type: ErrorEnvelopeDto })
  async login(
    @Body() form: TokenRequestDto,
    @Ip() client: string,
    @Headers('user-agent') userAgent: string | undefined,
  ): Promise<AccessToken> {
    try {
      const token = await this.auth.login(form.username, form.password, client ?? 'unknown', { userAgent });
      this.metrics.login('success');
      return token;
    } catch (error) {
      this.metrics.login(
        error instanceof UnauthorizedError
          ? 'failure'
          : error instanceof TooManyLoginAttemptsError
            ? 'throttled'
            : 'error',
      );
      throw error;
    }
  }
}
