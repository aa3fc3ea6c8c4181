import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { USER_ROLES } from '@argilla/database';
import { ROLE_DESCRIPTION } from '@argilla/users';
import { WorkspaceResponseDto } from '../docs/responses';

const TIMESTAMP = { example: '2023-03-16T11:11:59.871000', description: 'Naive UTC, microseconds' };

export class UserV1ResponseDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'Ada' }) first_name: string;
  @ApiProperty({ example: 'Lovelace', nullable: true, type: String }) last_name: string | null;
  @ApiProperty({ example: 'ada' }) username: string;
  @ApiProperty({ enum: USER_ROLES, description: ROLE_DESCRIPTION }) role: string;
  @ApiProperty({ description: "A disabled user's key, tokens and logins are refused" }) disabled: boolean;
  @ApiProperty(TIMESTAMP) inserted_at: string;
  @ApiProperty(TIMESTAMP) updated_at: string;
}

export class UserV1WithApiKeyDto extends UserV1ResponseDto {
  @ApiProperty({ description: 'The new API key: shown once, the old one no longer works' }) api_key: string;
}

export class UserV1WithOptionalApiKeyDto extends UserV1ResponseDto {
  @ApiPropertyOptional({ description: 'Only with `rotate_api_key`: the new API key, shown once' }) api_key?: string;
}

export class WorkspacesV1Dto {
  @ApiProperty({ type: [WorkspaceResponseDto] }) items: WorkspaceResponseDto[];
  @ApiProperty({ description: 'How many there are in all' }) total: number;
}

export class UsersV1Dto {
  @ApiProperty({ type: [UserV1ResponseDto] }) items: UserV1ResponseDto[];
  @ApiProperty({ description: 'How many there are in all' }) total: number;
}

export class UsersPageV1Dto extends UsersV1Dto {}
