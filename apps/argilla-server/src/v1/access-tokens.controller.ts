import { Body, Controller, Delete, Get, Param, Post, Query } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { AuthService, requireAdmin } from '@argilla/auth';
import { User } from '@argilla/database';
import {
  AccessTokenResponse,
  CreateAccessTokenDto,
  PageQuery,
  PersonalAccessTokensService,
  toAccessTokenResponse,
  UsersService,
} from '@argilla/users';
import { Access } from '../auth/access.decorator';
import { AuthenticatedBy, CurrentAuthentication, CurrentUser } from '../auth/current-user.decorator';
import { ApiIdRoute, ApiValidationError } from '../docs/error-responses';
import { ErrorEnvelopeDto } from '../docs/responses';
import { UuidPipe } from '../validation/uuid.pipe';
import { Page } from './page';
import { AccessTokenDto, AccessTokensV1Dto, AccessTokenWithSecretDto } from './v1-responses';

/** Beyond Argilla: personal access tokens, the caller's own and (for admins) anyone's. */
@ApiTags('personal access tokens (v1)')
@Controller('api/v1')
export class AccessTokensController {
  constructor(
    private readonly tokens: PersonalAccessTokensService,
    private readonly users: UsersService,
    private readonly auth: AuthService,
  ) {}

  @Post('me/tokens')
  @Access('user')
  @ApiOperation({
    summary: 'Create a personal access token for the caller; its secret is in the answer, this once',
    description:
      'The secret goes in `X-Argilla-Api-Key`, as an API key does. A caller authenticated by a personal access ' +
      'token may not create one (403). `expires_in_days` or `expires_at` (not both); a token may not live longer ' +
      "than the server's maximum (`ARGILLA_ACCESS_TOKEN_MAX_DAYS`, 365 days by default).",
  })
  @ApiCreatedResponse({ type: AccessTokenWithSecretDto })
  @ApiValidationError()
  @ApiForbiddenResponse({ description: 'The caller used a personal access token', type: ErrorEnvelopeDto })
  @ApiConflictResponse({ description: 'The caller has a token of this name', type: ErrorEnvelopeDto })
  async create(
    @CurrentUser() caller: User,
    @CurrentAuthentication() authenticatedBy: AuthenticatedBy,
    @Body() body: CreateAccessTokenDto,
  ): Promise<AccessTokenResponse & { secret: string }> {
    const { token, secret } = await this.auth.createOwnAccessToken(
      caller,
      { name: body.name, scope: body.scope, expiresInDays: body.expires_in_days, expiresAt: body.expires_at },
      authenticatedBy,
    );
    return { ...toAccessTokenResponse(token), secret };
  }

  @Get('me/tokens')
  @Access('user')
  @ApiOperation({ summary: "The caller's personal access tokens, oldest first (never their secrets)" })
  @ApiOkResponse({ type: AccessTokensV1Dto })
  @ApiValidationError()
  async list(@CurrentUser() caller: User, @Query() page: PageQuery): Promise<Page<AccessTokenResponse>> {
    const { items, total } = await this.tokens.page(caller.id, page.limit, page.offset);
    return { items: items.map(toAccessTokenResponse), total };
  }

  @Delete('me/tokens/:token_id')
  @Access('user')
  @ApiOperation({ summary: "Revoke one of the caller's tokens: refused from the next request on, on every replica" })
  @ApiOkResponse({ type: AccessTokenDto })
  @ApiIdRoute('PersonalAccessToken')
  async revoke(
    @CurrentUser() caller: User,
    @Param('token_id', UuidPipe) tokenId: string,
  ): Promise<AccessTokenResponse> {
    return toAccessTokenResponse(await this.tokens.revoke(caller.id, tokenId));
  }

  @Get('users/:user_id/tokens')
  @Access('admin')
  @ApiOperation({ summary: "A user's personal access tokens, oldest first (never their secrets)" })
  @ApiOkResponse({ type: AccessTokensV1Dto })
  @ApiIdRoute('User')
  async listOfUser(
    @CurrentUser() caller: User,
    @Param('user_id', UuidPipe) userId: string,
    @Query() page: PageQuery,
  ): Promise<Page<AccessTokenResponse>> {
    requireAdmin(caller);
    await this.users.getById(userId);
    const { items, total } = await this.tokens.page(userId, page.limit, page.offset);
    return { items: items.map(toAccessTokenResponse), total };
  }

  @Delete('users/:user_id/tokens/:token_id')
  @Access('admin')
  @ApiOperation({ summary: "Revoke a user's token: refused from the next request on, on every replica" })
  @ApiOkResponse({ type: AccessTokenDto })
  @ApiIdRoute('User', 'PersonalAccessToken')
  async revokeOfUser(
    @CurrentUser() caller: User,
    @Param('user_id', UuidPipe) userId: string,
    @Param('token_id', UuidPipe) tokenId: string,
  ): Promise<AccessTokenResponse> {
    requireAdmin(caller);
    await this.users.getById(userId);
    return toAccessTokenResponse(await this.tokens.revoke(userId, tokenId));
  }
}
