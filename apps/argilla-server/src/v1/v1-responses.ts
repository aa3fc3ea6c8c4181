import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { TOKEN_SCOPES, USER_ROLES } from '@argilla/database';
import { ROLE_DESCRIPTION, SCOPE_DESCRIPTION } from '@argilla/users';
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

export class AccessTokenDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'ci-export' }) name: string;
  @ApiProperty({ enum: TOKEN_SCOPES, description: SCOPE_DESCRIPTION }) scope: string;
  @ApiProperty({ example: 'argu_pat_x7Qm2a', description: 'The start of the secret, to tell tokens apart' })
  prefix: string;
  @ApiProperty(TIMESTAMP) created_at: string;
  @ApiProperty({ ...TIMESTAMP, nullable: true, type: String, description: 'null: never expires' })
  expires_at: string | null;
  @ApiProperty({
    ...TIMESTAMP,
    nullable: true,
    type: String,
    description: 'The last request made with it, to the minute (written at most once a minute); null: never used',
  })
  last_used_at: string | null;
}

export class AccessTokenWithSecretDto extends AccessTokenDto {
  @ApiProperty({
    example: 'argu_pat_x7Qm2aR0bL3pV9sKc1TzY4nWq8EeHu6Jd5Gf2Ai7Mo',
    description: 'The token: shown this once, only its SHA-256 is stored. Send it as `X-Argilla-Api-Key`',
  })
  secret: string;
}

export class AccessTokensV1Dto {
  @ApiProperty({ type: [AccessTokenDto] }) items: AccessTokenDto[];
  @ApiProperty({ description: 'How many there are in all' }) total: number;
}

export class UserSessionDto {
  @ApiProperty({ format: 'uuid', description: "The `sid` claim of the session's bearer JWT" }) id: string;
  @ApiProperty(TIMESTAMP) created_at: string;
  @ApiProperty({
    ...TIMESTAMP,
    description: 'The last request made with it, to the minute (written at most once a minute)',
  })
  last_seen_at: string;
  @ApiProperty({ ...TIMESTAMP, description: "Its JWT's expiry" }) expires_at: string;
  @ApiProperty({ example: '203.0.113.7', nullable: true, type: String, description: "The client's address at sign-in" })
  client: string | null;
  @ApiProperty({
    example: 'Mozilla/5.0',
    nullable: true,
    type: String,
    description: 'At sign-in, cut to 512 characters',
  })
  user_agent: string | null;
  @ApiProperty({
    example: null,
    nullable: true,
    type: String,
    description: 'The single sign-on provider signed in through; null for a password login',
  })
  provider: string | null;
  @ApiProperty({ description: 'Whether the request asking is made with this session' }) current: boolean;
}

export class UserSessionsV1Dto {
  @ApiProperty({ type: [UserSessionDto] }) items: UserSessionDto[];
  @ApiProperty({ description: 'How many there are in all' }) total: number;
}

class AuditActorDto {
  @ApiProperty({ enum: ['user', 'cli', 'system'] }) type: string;
  @ApiPropertyOptional({ format: 'uuid', description: "A user's id" }) id?: string;
  @ApiProperty({ example: 'argilla', description: 'A username, the operating-system user of a CLI run, or `system`' })
  name: string;
}

class AuditTargetDto {
  @ApiProperty({ example: 'user' }) type: string;
  @ApiPropertyOptional() id?: string;
  @ApiPropertyOptional({ example: 'ann' }) name?: string;
}

export class AuditEventDto {
  @ApiProperty({ example: 42 }) id: number;
  @ApiProperty(TIMESTAMP) time: string;
  @ApiProperty({ type: AuditActorDto }) actor: AuditActorDto;
  @ApiProperty({ example: 'user.created' }) action: string;
  @ApiProperty({ type: AuditTargetDto }) target: AuditTargetDto;
  @ApiPropertyOptional({ example: '203.0.113.7', description: "The client's address, over HTTP" }) client?: string;
  @ApiPropertyOptional({ description: 'The X-Request-Id of the request, over HTTP' }) request_id?: string;
  @ApiProperty({
    type: Object,
    example: { role: 'annotator', workspaces: ['team'] },
    description: 'What changed (never a password, hash, key or token); `count` for repeated failed logins',
  })
  details: Record<string, unknown>;
}

export class AuditEventsV1Dto {
  @ApiProperty({ type: [AuditEventDto] }) items: AuditEventDto[];
  @ApiProperty({ description: 'How many there are in all' }) total: number;
}
