import { Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthService, requireAdmin } from '@argilla/auth';
import { User } from '@argilla/database';
import {
  PageQuery,
  toUserSessionResponse,
  UserSessionResponse,
  UserSessionsService,
  UsersService,
} from '@argilla/users';
import { Access } from '../auth/access.decorator';
import { AuthenticatedBy, CurrentAuthentication, CurrentSession, CurrentUser } from '../auth/current-user.decorator';
import { ApiIdRoute, ApiValidationError } from '../docs/error-responses';
import { ErrorEnvelopeDto } from '../docs/responses';
import { UuidPipe } from '../validation/uuid.pipe';
import { Page } from './page';
import { UserSessionDto, UserSessionsV1Dto } from './v1-responses';

/**
 * Beyond Argilla: sessions, one per login (`POST /api/security/token`) or single sign-on, each named by the `sid`
 * claim of its bearer JWT. An ended session's JWT is refused from the next request on, on every replica.
 */
@ApiTags('sessions (v1)')
@Controller('api/v1')
export class SessionsController {
  constructor(
    private readonly sessions: UserSessionsService,
    private readonly users: UsersService,
    private readonly auth: AuthService,
  ) {}

  @Post('me/logout')
  @HttpCode(200)
  @Access('user')
  @ApiOperation({
    summary: 'End the session of the bearer JWT the request is made with: the JWT is refused from then on',
    description:
      'Only for a request made with the bearer JWT of a login; an API key, a personal access token, or a JWT of ' +
      'an earlier release (which names no session) get 400.',
  })
  @ApiOkResponse({ type: UserSessionDto, description: 'The session ended' })
  @ApiBadRequestResponse({ description: 'The request was not made with a session', type: ErrorEnvelopeDto })
  async logout(
    @CurrentUser() caller: User,
    @CurrentAuthentication() authenticatedBy: AuthenticatedBy,
    @CurrentSession() sessionId: string | undefined,
  ): Promise<UserSessionResponse> {
    return toUserSessionResponse(await this.auth.logout(caller, authenticatedBy, sessionId), sessionId);
  }

  @Get('me/sessions')
  @Access('user')
  @ApiOperation({ summary: "The caller's sessions, newest first; `current` marks the one the request is made with" })
  @ApiOkResponse({ type: UserSessionsV1Dto })
  @ApiValidationError()
  async list(
    @CurrentUser() caller: User,
    @CurrentSession() sessionId: string | undefined,
    @Query() page: PageQuery,
  ): Promise<Page<UserSessionResponse>> {
    const { items, total } = await this.sessions.page(caller.id, page.limit, page.offset);
    return { items: items.map((session) => toUserSessionResponse(session, sessionId)), total };
  }

  @Delete('me/sessions/:session_id')
  @Access('user')
  @ApiOperation({ summary: "End one of the caller's sessions: its JWT is refused from the next request on" })
  @ApiOkResponse({ type: UserSessionDto, description: 'The session ended' })
  @ApiIdRoute('UserSession')
  async end(
    @CurrentUser() caller: User,
    @CurrentSession() currentSessionId: string | undefined,
    @Param('session_id', UuidPipe) sessionId: string,
  ): Promise<UserSessionResponse> {
    return toUserSessionResponse(await this.sessions.end(caller.id, sessionId), currentSessionId);
  }

  @Get('users/:user_id/sessions')
  @Access('admin')
  @ApiOperation({ summary: "A user's sessions, newest first" })
  @ApiOkResponse({ type: UserSessionsV1Dto })
  @ApiIdRoute('User')
  async listOfUser(
    @CurrentUser() caller: User,
    @CurrentSession() sessionId: string | undefined,
    @Param('user_id', UuidPipe) userId: string,
    @Query() page: PageQuery,
  ): Promise<Page<UserSessionResponse>> {
    requireAdmin(caller);
    await this.users.getById(userId);
    const { items, total } = await this.sessions.page(userId, page.limit, page.offset);
    return { items: items.map((session) => toUserSessionResponse(session, sessionId)), total };
  }

  @Delete('users/:user_id/sessions')
  @Access('admin')
  @ApiOperation({
    summary: 'End every session of a user: their JWTs are refused from the next request on, on every replica',
    description: "The user's API key and personal access tokens stay (revoke those apart).",
  })
  @ApiOkResponse({ type: UserSessionsV1Dto, description: 'The sessions ended, newest first' })
  @ApiIdRoute('User')
  async endAllOfUser(
    @CurrentUser() caller: User,
    @CurrentSession() sessionId: string | undefined,
    @Param('user_id', UuidPipe) userId: string,
  ): Promise<Page<UserSessionResponse>> {
    requireAdmin(caller);
    await this.users.getById(userId);
    const ended = await this.sessions.endAll(userId);
    return { items: ended.map((session) => toUserSessionResponse(session, sessionId)), total: ended.length };
  }
}
