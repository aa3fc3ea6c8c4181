import { applyDecorators, Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import {
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { isAdmin, requireAdmin } from '@argilla/auth';
import { EntityNotFoundError, ForbiddenOperationError } from '@argilla/common';
import { User } from '@argilla/database';
import {
  PageQuery,
  ResponseAudience,
  toUserResponse,
  toUserV1Response,
  UserResponse,
  UserV1Response,
} from '@argilla/users';
import { CreateWorkspaceDto, toWorkspaceResponse, WorkspaceResponse, WorkspacesService } from '@argilla/workspaces';
import { Access } from '../auth/access.decorator';
import { CurrentUser } from '../auth/current-user.decorator';
import { Audience } from '../auth/response-audience.decorator';
import { ApiConflict, ApiIdRoute, ApiValidationError } from '../docs/error-responses';
import { ErrorEnvelopeDto, PlainErrorDto, UserResponseDto, WorkspaceResponseDto } from '../docs/responses';
import { PlainHttpError } from '../errors/plain-http.error';
import { sendJson } from '../send-json';
import { UuidParamsPipe, UuidPipe } from '../validation/uuid.pipe';
import { Page, pageOf } from '../v1/page';
import { UsersV1Dto } from '../v1/v1-responses';

/** The two ids of a membership route, both checked at once (and described one by one in the OpenAPI document). */
const MEMBERSHIP_IDS = new UuidParamsPipe('workspace_id', 'user_id');
type MembershipIds = Record<'workspace_id' | 'user_id', string>;
const ApiMembershipIds = () =>
  applyDecorators(ApiParam({ name: 'workspace_id', type: String }), ApiParam({ name: 'user_id', type: String }));

@ApiTags('workspaces')
@Controller('api')
export class WorkspacesController {
  constructor(private readonly workspaces: WorkspacesService) {}

  @Get('workspaces')
  @Access('user')
  @ApiOperation({ summary: 'Every workspace, oldest first' })
  @ApiOkResponse({ type: [WorkspaceResponseDto] })
  async list(@Res() response: Response): Promise<void> {
    // Serialised once per data version (see WorkspacesService.listResponseBody), sent as it is.
    sendJson(response, await this.workspaces.listResponseBody());
  }

  @Post('workspaces')
  @HttpCode(200)
  @Access('admin')
  @ApiOperation({ summary: 'Create a workspace' })
  @ApiOkResponse({ type: WorkspaceResponseDto })
  @ApiValidationError()
  @ApiConflict('A workspace with this name')
  async create(@CurrentUser() caller: User, @Body() body: CreateWorkspaceDto): Promise<WorkspaceResponse> {
    requireAdmin(caller);
    return toWorkspaceResponse(await this.workspaces.create(body.name));
  }

  @Get('workspaces/:workspace_id/users')
  @Access('admin')
  @ApiOperation({ summary: 'The members of a workspace, in the order they joined' })
  @ApiOkResponse({ type: [UserResponseDto] })
  @ApiIdRoute('Workspace')
  async members(
    @CurrentUser() caller: User,
    @Audience() audience: ResponseAudience,
    @Param('workspace_id', UuidPipe) workspaceId: string,
    @Res() response: Response,
  ): Promise<void> {
    requireAdmin(caller);
    sendJson(response, await this.workspaces.membersResponseBody(workspaceId, audience));
  }

  @Post('workspaces/:workspace_id/users/:user_id')
  @HttpCode(200)
  @Access('admin')
  @ApiOperation({ summary: 'Add a user to a workspace; returns the user with its workspaces' })
  @ApiOkResponse({ type: UserResponseDto })
  @ApiIdRoute('Workspace', 'User')
  @ApiConflict('The membership')
  @ApiMembershipIds()
  async addMember(
    @CurrentUser() caller: User,
    @Audience() audience: ResponseAudience,
    @Param(MEMBERSHIP_IDS) ids: MembershipIds,
  ): Promise<UserResponse> {
    requireAdmin(caller);
    return toUserResponse(await this.workspaces.addMember(ids.workspace_id, ids.user_id), audience);
  }

  @Delete('workspaces/:workspace_id/users/:user_id')
  @Access('admin')
  @ApiOperation({ summary: 'Remove a user from a workspace; returns the user with its remaining workspaces' })
  @ApiOkResponse({ type: UserResponseDto })
  @ApiIdRoute('Workspace', 'Membership')
  @ApiMembershipIds()
  async removeMember(
    @CurrentUser() caller: User,
    @Audience() audience: ResponseAudience,
    @Param(MEMBERSHIP_IDS) ids: MembershipIds,
  ): Promise<UserResponse> {
    requireAdmin(caller);
    return toUserResponse(await this.workspaces.removeMember(ids.workspace_id, ids.user_id), audience);
  }

  @Delete('v1/workspaces/:workspace_id')
  @Access('admin')
  @ApiOperation({ summary: 'Delete a workspace (its memberships go with it); returns it as it was' })
  @ApiOkResponse({ type: WorkspaceResponseDto })
  @ApiIdRoute('Workspace')
  async delete(
    @CurrentUser() caller: User,
    @Param('workspace_id', UuidPipe) workspaceId: string,
  ): Promise<WorkspaceResponse> {
    requireAdmin(caller);
    return toWorkspaceResponse(await this.workspaces.delete(workspaceId));
  }

  @Get('v1/workspaces/:workspace_id/users')
  @Access('admin')
  @ApiOperation({ summary: 'The members of a workspace (v1 shape), in the order they joined' })
  @ApiOkResponse({ type: UsersV1Dto })
  @ApiIdRoute('Workspace')
  async membersV1(
    @CurrentUser() caller: User,
    @Param('workspace_id', UuidPipe) workspaceId: string,
    @Query() page: PageQuery,
  ): Promise<Page<UserV1Response>> {
    requireAdmin(caller);
    return pageOf(
      (await this.workspaces.members(workspaceId)).map(({ user }) => toUserV1Response(user)),
      page,
    );
  }

  @Get('v1/workspaces/:workspace_id')
  @Access('user')
  @ApiOperation({ summary: 'A workspace: admins and owners see any, annotators those they belong to' })
  @ApiOkResponse({ type: WorkspaceResponseDto })
  @ApiIdRoute()
  @ApiNotFoundResponse({
    description: 'No such workspace (admins and owners only; others get 403)',
    type: PlainErrorDto,
  })
  @ApiForbiddenResponse({
    description: 'The caller is neither an admin, an owner nor a member',
    type: ErrorEnvelopeDto,
  })
  async get(
    @CurrentUser() caller: User,
    @Param('workspace_id', UuidPipe) workspaceId: string,
  ): Promise<WorkspaceResponse> {
    if (!isAdmin(caller) && !(await this.workspaces.isMember(workspaceId, caller.id))) {
      throw new ForbiddenOperationError();
    }
    try {
      return toWorkspaceResponse(await this.workspaces.getById(workspaceId));
    } catch (error) {
      // Argilla's v1 API answers this one with a plain `detail` string.
      if (error instanceof EntityNotFoundError) throw new PlainHttpError(404, error.message);
      throw error;
    }
  }
}
