import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ValidateIf } from 'class-validator';
import { IsList, IsName, IsStr, MaxChars, MinChars, NAME_MAX_LENGTH, OneOf, Required, Trim } from '@argilla/common';
import { USER_ROLES, UserRole } from '@argilla/database';

/** Said wherever the API shows or accepts a role. */
export const ROLE_DESCRIPTION =
  "`owner` (the superuser role of Argilla 1.11 and later) has exactly the rights of `admin` (Argilla 1.8's)";

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 100;

/** The body of `POST /api/users`, and what `argilla-cli users create` checks its options against. */
export class CreateUserDto {
  @ApiProperty({ example: 'Ada', description: 'Trimmed; must not be empty' })
  @MinChars(1)
  @IsStr()
  @Trim()
  @Required()
  first_name: string;

  @ApiPropertyOptional({ example: 'Lovelace', nullable: true, description: 'Trimmed; must not be empty when given' })
  @MinChars(1)
  @IsStr()
  @ValidateIf((dto: CreateUserDto) => dto.last_name !== undefined && dto.last_name !== null)
  @Trim()
  last_name?: string | null;

  @ApiProperty({ example: 'ada', pattern: '^(?!-|_)[a-z0-9-_]+$', maxLength: 255 })
  @MaxChars(NAME_MAX_LENGTH)
  @IsName()
  @IsStr()
  @Required()
  username: string;

  @ApiPropertyOptional({ enum: USER_ROLES, default: 'annotator', description: ROLE_DESCRIPTION })
  @OneOf(USER_ROLES)
  @ValidateIf((dto: CreateUserDto) => dto.role !== undefined && dto.role !== null)
  role?: UserRole | null;

  @ApiProperty({ minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH, example: 'a-long-passphrase' })
  @MaxChars(PASSWORD_MAX_LENGTH)
  @MinChars(PASSWORD_MIN_LENGTH)
  @IsStr()
  @Required()
  password: string;
}

export const API_KEY_MIN_LENGTH = 8;

/** What `argilla-cli users create` accepts: the API's fields, plus a chosen API key and workspaces to join. */
export class CreateUserWithOptionsDto extends CreateUserDto {
  @MinChars(API_KEY_MIN_LENGTH)
  @IsStr()
  @ValidateIf((dto: CreateUserWithOptionsDto) => dto.api_key !== undefined && dto.api_key !== null)
  api_key?: string | null;

  @MaxChars(NAME_MAX_LENGTH, { each: true })
  @IsName({ each: true })
  @IsStr({ each: true })
  @IsList()
  @ValidateIf((dto: CreateUserWithOptionsDto) => dto.workspaces !== undefined && dto.workspaces !== null)
  workspaces?: string[] | null;
}
