import { Body, Controller, Delete, Get, HttpCode, Param, Post, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { isAdmin, requireAdmin } from '@argilla/auth';
import { User } from '@argilla/database';
import {
  CreateUserDto,
  ResponseAudience,
  toUserResponse,
  UserResponse,
  UsersService,
  UserWithWorkspaces,
} from '@argilla/users';
import { WorkspacesService } from '@argilla/workspaces';
import { Access } from '../auth/access.decorator';
import { CurrentPrincipal, CurrentUser } from '../auth/current-user.decorator';
import { Audience } from '../auth/response-audience.decorator';
import { ApiConflict, ApiIdRoute, ApiValidationError } from '../docs/error-responses';
import { UserResponseDto } from '../docs/responses';
import { sendJson } from '../send-json';
import { UuidPipe } from '../validation/uuid.pipe';

@ApiTags('users')
@Controller('api')
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly workspaces: WorkspacesService,
  ) {}

  @Get('me')
  @Access('user')
  @ApiOperation({ summary: 'The caller; an admin or owner sees every workspace, an annotator its own' })
  @ApiOkResponse({ type: UserResponseDto })
  async me(
    @CurrentPrincipal() principal: UserWithWorkspaces,
    @Audience() audience: ResponseAudience,
  ): Promise<UserResponse> {
    if (isAdmin(principal.user)) {
      return toUserResponse({ user: principal.user, workspaces: await this.workspaces.listNames() }, audience);
    }
    return toUserResponse(principal, audience);
  }

  @Get('users')
  @Access('admin')
  @ApiOperation({ summary: 'Every user, oldest first' })
  @ApiOkResponse({ type: [UserResponseDto] })
  async list(
    @CurrentUser() caller: User,
    @Audience() audience: ResponseAudience,
    @Res() response: Response,
  ): Promise<void> {
    requireAdmin(caller);
    // Serialised once per data version (see UsersService.listResponseBody), sent as it is.
    sendJson(response, await this.users.listResponseBody(audience));
  }

  @Post('users')
  @HttpCode(200)
  @Access('admin')
  @ApiOperation({ summary: 'Create a user (its API key is generated)' })
  @ApiOkResponse({ type: UserResponseDto })
  @ApiValidationError()
  @ApiConflict('A user with this username')
  async create(
    @CurrentUser() caller: User,
    @Audience() audience: ResponseAudience,
    @Body() body: CreateUserDto,
  ): Promise<UserResponse> {
    requireAdmin(caller);
    const created = await this.users.create({
      firstName: body.first_name,
      lastName: body.last_name,
      username: body.username,
      role: body.role,
      password: body.password,
    });
    return toUserResponse(created, audience);
  }

  @Delete('users/:user_id')
  @Access('admin')
  @ApiOperation({ summary: 'Delete a user (its memberships go with it); returns it as it was' })
  @ApiOkResponse({ type: UserResponseDto })
  @ApiIdRoute('User')
  async delete(
    @CurrentUser() caller: User,
    @Audience() audience: ResponseAudience,
    @Param('user_id', UuidPipe) userId: string,
  ): Promise<UserResponse> {
    requireAdmin(caller);
    return toUserResponse(await this.users.delete(userId, { lastAdmin: 'allow' }), audience);
  }
}
