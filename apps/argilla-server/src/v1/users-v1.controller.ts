import { Body, Controller, Delete, Get, HttpCode, Ip, Param, Patch, Post, Put, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import {
  ApiBody,
  ApiConflictResponse,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import { AuthService, isAdmin, requireAdmin } from '@argilla/auth';
import { User } from '@argilla/database';
import {
  AdminResetPasswordDto,
  ChangePasswordDto,
  ListUsersQuery,
  PageQuery,
  RotateApiKeyDto,
  toUserV1Response,
  UpdateUserDto,
  UserV1Response,
  UsersService,
} from '@argilla/users';
import { toWorkspaceResponse, WorkspaceResponse, WorkspacesService } from '@argilla/workspaces';
import { Access } from '../auth/access.decorator';
import { AuthenticatedBy, CurrentAuthentication, CurrentUser } from '../auth/current-user.decorator';
import { ApiIdRoute, ApiValidationError } from '../docs/error-responses';
import { ErrorEnvelopeDto } from '../docs/responses';
import { sendJson } from '../send-json';
import { UuidPipe } from '../validation/uuid.pipe';
import { Page, pageOf } from './page';

import {
  UsersPageV1Dto,
  UserV1ResponseDto,
  UserV1WithApiKeyDto,
  UserV1WithOptionalApiKeyDto,
  WorkspacesV1Dto,
} from './v1-responses';

/** Beyond Argilla 1.8: user management of later Argilla releases (v1 shapes), additive to the v0 routes. */
@ApiTags('users (v1)')
@Controller('api/v1')
export class UsersV1Controller {
  constructor(
    private readonly users: UsersService,
    private readonly workspaces: WorkspacesService,
    private readonly auth: AuthService,
  ) {}

  @Get('me')
  @Access('user')
  @ApiOperation({ summary: 'The caller' })
  @ApiOkResponse({ type: UserV1ResponseDto })
  me(@CurrentUser() caller: User): UserV1Response {
    return toUserV1Response(caller);
  }

  @Get('me/workspaces')
  @Access('user')
  @ApiOperation({ summary: "The caller's workspaces (an admin's or owner's: all of them)" })
  @ApiOkResponse({ type: WorkspacesV1Dto })
  @ApiValidationError()
  async myWorkspaces(@CurrentUser() caller: User, @Query() page: PageQuery): Promise<Page<WorkspaceResponse>> {
    const workspaces = isAdmin(caller) ? await this.workspaces.list() : await this.workspaces.ofUser(caller.id);
    return pageOf(workspaces.map(toWorkspaceResponse), page);
  }

  @Post('me/api-key')
  @HttpCode(200)
  @Access('user')
  @ApiOperation({
    summary: "Replace the caller's API key; the new one is returned once, the old one stops working",
    description:
      'A caller authenticated by a bearer token must give its current password (`current_password`): missing or ' +
      'wrong, the answer is the 422 of `PUT /api/v1/me/password` for a wrong current password and the key stays. ' +
      'A caller authenticated by its API key (`X-Argilla-Api-Key`) needs no password, as that key is the one ' +
      'replaced; a password it gives anyway is checked the same way. The body may be left out. A caller ' +
      'authenticated by a personal access token gets 403.',
  })
  @ApiForbiddenResponse({ description: 'The caller used a personal access token', type: ErrorEnvelopeDto })
  @ApiBody({ type: RotateApiKeyDto, required: false })
  @ApiOkResponse({ type: UserV1WithApiKeyDto })
  @ApiValidationError()
  async rotateMyApiKey(
    @CurrentUser() caller: User,
    @CurrentAuthentication() authenticatedBy: AuthenticatedBy,
    @Body() body: RotateApiKeyDto,
    @Ip() client: string,
  ): Promise<UserV1Response & { api_key: string }> {
    const user = await this.auth.rotateOwnApiKey(caller, body.current_password, authenticatedBy, client ?? 'unknown');
    return { ...toUserV1Response(user), api_key: user.apiKey };
  }

  @Put('me/password')
  @Access('user')
  @ApiOperation({
    summary: "Change the caller's password; every token issued before, and every personal access token, stops working",
    description: 'A caller authenticated by a personal access token gets 403.',
  })
  @ApiForbiddenResponse({ description: 'The caller used a personal access token', type: ErrorEnvelopeDto })
  @ApiOkResponse({ type: UserV1ResponseDto })
  @ApiValidationError()
  @ApiTooManyRequestsResponse({
    description: 'Too many failed logins or wrong current passwords for this user or from this client; see Retry-After',
    type: ErrorEnvelopeDto,
  })
  async changeMyPassword(
    @CurrentUser() caller: User,
    @CurrentAuthentication() authenticatedBy: AuthenticatedBy,
    @Body() body: ChangePasswordDto,
    @Ip() client: string,
  ): Promise<UserV1Response> {
    const user = await this.auth.changeOwnPassword(
      caller,
      body.current_password,
      body.new_password,
      authenticatedBy,
      client ?? 'unknown',
    );
    return toUserV1Response(user);
  }

  @Put('users/:user_id/password')
  @Access('admin')
  @ApiOperation({
    summary:
      "Reset a user's password; every token issued before, and every personal access token, stops working. With " +
      '`rotate_api_key`, its API key is ' +
      'replaced too: the new one is in the answer (`api_key`, shown once), the old one stops working',
  })
  @ApiOkResponse({ type: UserV1WithOptionalApiKeyDto })
  @ApiIdRoute('User')
  async resetPassword(
    @CurrentUser() caller: User,
    @CurrentAuthentication() authenticatedBy: AuthenticatedBy,
    @Param('user_id', UuidPipe) userId: string,
    @Body() body: AdminResetPasswordDto,
  ): Promise<UserV1Response & { api_key?: string }> {
    requireAdmin(caller);
    this.auth.checkCredentialChange(authenticatedBy);
    const rotateApiKey = body.rotate_api_key === true;
    const user = await this.users.changePassword(userId, body.new_password, { rotateApiKey });
    return rotateApiKey ? { ...toUserV1Response(user), api_key: user.apiKey } : toUserV1Response(user);
  }

  @Get('users')
  @Access('admin')
  @ApiOperation({ summary: 'Users, oldest first, a page at a time, filtered by role, workspace or username prefix' })
  @ApiOkResponse({ type: UsersPageV1Dto })
  @ApiValidationError()
  async list(@CurrentUser() caller: User, @Query() query: ListUsersQuery, @Res() response: Response): Promise<void> {
    requireAdmin(caller);
    // Kept serialised per data version (see UsersService.v1PageResponseBody), sent as it is.
    sendJson(response, await this.users.v1PageResponseBody(query, query.limit, query.offset));
  }

  @Get('users/:user_id')
  @Access('admin')
  @ApiOperation({ summary: 'A user' })
  @ApiOkResponse({ type: UserV1ResponseDto })
  @ApiIdRoute('User')
  async get(@CurrentUser() caller: User, @Param('user_id', UuidPipe) userId: string): Promise<UserV1Response> {
    requireAdmin(caller);
    return toUserV1Response(await this.users.getById(userId));
  }

  @Patch('users/:user_id')
  @Access('admin')
  @ApiOperation({
    summary:
      "Change a user's names, role or disabled flag (the last admin or owner cannot be demoted to annotator or disabled, nor an admin disable itself: 409)",
  })
  @ApiOkResponse({ type: UserV1ResponseDto })
  @ApiIdRoute('User')
  @ApiValidationError()
  @ApiConflictResponse({ description: 'The user is the last admin or owner', type: ErrorEnvelopeDto })
  async update(
    @CurrentUser() caller: User,
    @Param('user_id', UuidPipe) userId: string,
    @Body() body: UpdateUserDto,
  ): Promise<UserV1Response> {
    requireAdmin(caller);
    const user = await this.users.update(userId, {
      firstName: body.first_name,
      lastName: body.last_name,
      role: body.role,
      disabled: body.disabled,
      actorId: caller.id,
    });
    return toUserV1Response(user);
  }

  @Delete('users/:user_id')
  @Access('admin')
  @ApiOperation({
    summary: 'Delete a user and its memberships; the last enabled admin or owner cannot be deleted (409)',
    description:
      'Unlike `DELETE /api/users/{user_id}` (kept as in Argilla 1.8), this refuses to delete the last admin or owner.',
  })
  @ApiOkResponse({ type: UserV1ResponseDto })
  @ApiIdRoute('User')
  @ApiConflictResponse({ description: 'The user is the last admin or owner', type: ErrorEnvelopeDto })
  async delete(@CurrentUser() caller: User, @Param('user_id', UuidPipe) userId: string): Promise<UserV1Response> {
    requireAdmin(caller);
    return toUserV1Response((await this.users.delete(userId, { lastAdmin: 'refuse' })).user);
  }

  @Get('users/:user_id/workspaces')
  @Access('admin')
  @ApiOperation({ summary: "A user's workspaces, in the order it joined them" })
  @ApiOkResponse({ type: WorkspacesV1Dto })
  @ApiIdRoute('User')
  async userWorkspaces(
    @CurrentUser() caller: User,
    @Param('user_id', UuidPipe) userId: string,
    @Query() page: PageQuery,
  ): Promise<Page<WorkspaceResponse>> {
    requireAdmin(caller);
    await this.users.getById(userId);
    return pageOf((await this.workspaces.ofUser(userId)).map(toWorkspaceResponse), page);
  }

  @Post('users/:user_id/api-key')
  @HttpCode(200)
  @Access('admin')
  @ApiOperation({ summary: "Replace a user's API key; the new one is returned once, the old one stops working" })
  @ApiOkResponse({ type: UserV1WithApiKeyDto })
  @ApiIdRoute('User')
  async rotateApiKey(
    @CurrentUser() caller: User,
    @CurrentAuthentication() authenticatedBy: AuthenticatedBy,
    @Param('user_id', UuidPipe) userId: string,
  ): Promise<UserV1Response & { api_key: string }> {
    requireAdmin(caller);
    this.auth.checkCredentialChange(authenticatedBy);
    const user = await this.users.rotateApiKey(userId);
    return { ...toUserV1Response(user), api_key: user.apiKey };
  }
}
