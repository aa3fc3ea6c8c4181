import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { USER_ROLES } from '@argilla/database';
import { ROLE_DESCRIPTION } from '@argilla/users';

// Response schemas for the OpenAPI document. The bodies themselves are built by toUserResponse /
// toWorkspaceResponse in the libs; these classes only describe them.

const TIMESTAMP = { example: '2023-03-16T11:11:59.871000', description: 'Naive UTC, microseconds' };

export class UserResponseDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'Ada' }) first_name: string;
  @ApiPropertyOptional({ example: 'Lovelace', description: 'Omitted when the user has no last name' })
  last_name?: string;
  @ApiProperty({ example: 'Ada Lovelace' }) full_name: string;
  @ApiProperty({ example: 'ada' }) username: string;
  @ApiProperty({ enum: USER_ROLES, description: ROLE_DESCRIPTION }) role: string;
  @ApiProperty({ type: [String], example: ['ada', 'team'], description: 'Workspace names' }) workspaces: string[];
  @ApiProperty({
    example: 'argilla.apikey',
    nullable: true,
    type: String,
    description: 'null in answers to a request made with a personal access token, which does not see API keys',
  })
  api_key: string | null;
  @ApiProperty(TIMESTAMP) inserted_at: string;
  @ApiProperty(TIMESTAMP) updated_at: string;
}

export class WorkspaceResponseDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'team' }) name: string;
  @ApiProperty(TIMESTAMP) inserted_at: string;
  @ApiProperty(TIMESTAMP) updated_at: string;
}

export class AccessTokenDto {
  @ApiProperty({ description: 'HS256 JWT with claims sub, iat, exp' }) access_token: string;
  @ApiProperty({ enum: ['bearer'] }) token_type: string;
}

class ErrorDetailDto {
  @ApiProperty({ example: 'argilla.api.errors::EntityNotFoundError' }) code: string;
  @ApiProperty({ type: 'object', additionalProperties: true, example: { name: 'ada', type: 'User' } })
  params: Record<string, unknown>;
}

/** `{"detail": {"code": "argilla.api.errors::<Name>", "params": {...}}}` */
export class ErrorEnvelopeDto {
  @ApiProperty({ type: ErrorDetailDto }) detail: ErrorDetailDto;
}

/** `{"detail": "..."}`, as `GET /api/v1/workspaces/{id}` answers an unknown id. */
export class PlainErrorDto {
  @ApiProperty({ example: 'Workspace with id `00000000-0000-0000-0000-000000000000` not found' }) detail: string;
}
