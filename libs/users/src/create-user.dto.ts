import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ValidateIf } from 'class-validator';
import { IsList, IsName, IsStr, MaxChars, MinChars, NAME_MAX_LENGTH, OneOf, Required, Trim } from '@argilla/common';
import { USER_ROLES, UserRole } from '@argilla/database';

/** Said wherever the API shows or accepts a role. */
export const ROLE_DESCRIPTION =
  "`owner` (the superuser role of Argilla 1.11 and later) has exactly the rights of `admin` (Argilla 1.8's)";

/**
 * A username's rules (the API's, the CLI's and the users file's), checked in this order: present, a string
 * without NUL, the name pattern, at most 255 characters.
 */
export const IsUsername = (): PropertyDecorator => (target, property) => {
  // class-validator checks a property's constraints in the order they are registered.
  for (const rule of [Required(), IsStr(), IsName(), MaxChars(NAME_MAX_LENGTH)]) rule(target, property);
};

/** A list of workspace names to join, when given (not null): each a string matching the name pattern, at most 255. */
export const IsWorkspaceNames = (): PropertyDecorator => (target, property) => {
  const rules = [
    ValidateIf((dto: Record<string | symbol, unknown>) => dto[property] !== undefined && dto[property] !== null),
    IsList(),
    IsStr({ each: true }),
    IsName({ each: true }),
    MaxChars(NAME_MAX_LENGTH, { each: true }),
  ];
  for (const rule of rules) rule(target, property);
};

/** One of `admin`, `annotator`, `owner`. */
export const IsRole = (): PropertyDecorator => OneOf(USER_ROLES);

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
  @IsUsername()
  username: string;

  @ApiPropertyOptional({ enum: USER_ROLES, default: 'annotator', description: ROLE_DESCRIPTION })
  @IsRole()
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

  @IsWorkspaceNames()
  workspaces?: string[] | null;
}
