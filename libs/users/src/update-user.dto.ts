import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ValidateIf } from 'class-validator';
import { IsBool, IsStr, MaxChars, MinChars, OneOf, Required, Trim } from '@argilla/common';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, ROLE_DESCRIPTION } from './create-user.dto';
import { USER_ROLES, UserRole } from '@argilla/database';

/** The body of `PATCH /api/v1/users/{id}`: every field optional; any other field is refused (422). */
export class UpdateUserDto {
  static readonly forbidUnknownFields = true;

  @ApiPropertyOptional({ example: 'Ada' })
  @MinChars(1)
  @IsStr()
  @ValidateIf((dto: UpdateUserDto) => dto.first_name !== undefined)
  @Trim()
  first_name?: string;

  @ApiPropertyOptional({ example: 'Lovelace', nullable: true, type: String, description: 'null removes it' })
  @MinChars(1)
  @IsStr()
  @ValidateIf((dto: UpdateUserDto) => dto.last_name !== undefined && dto.last_name !== null)
  @Trim()
  last_name?: string | null;

  @ApiPropertyOptional({
    enum: USER_ROLES,
    description: `${ROLE_DESCRIPTION}. Demoting the last enabled admin or owner to annotator is refused (409)`,
  })
  @OneOf(USER_ROLES)
  @ValidateIf((dto: UpdateUserDto) => dto.role !== undefined)
  role?: UserRole;

  @ApiPropertyOptional({ description: "A disabled user's key, tokens and logins are refused" })
  @IsBool()
  @ValidateIf((dto: UpdateUserDto) => dto.disabled !== undefined)
  disabled?: boolean;
}

/** The body of `PUT /api/v1/users/{id}/password` (an admin's reset). */
export class ResetPasswordDto {
  static readonly forbidUnknownFields = true;

  @ApiProperty({ format: 'password', minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH })
  @MaxChars(PASSWORD_MAX_LENGTH)
  @MinChars(PASSWORD_MIN_LENGTH)
  @IsStr()
  @Required()
  new_password: string;
}

/** The body of `PUT /api/v1/me/password`: the new password, and the current one to prove who asks. */
export class ChangePasswordDto extends ResetPasswordDto {
  @ApiProperty({ format: 'password' })
  @IsStr()
  @Required()
  current_password: string;
}

/** The body of `PUT /api/v1/users/{id}/password` as the API reads it: the reset, and whether to replace the key. */
export class AdminResetPasswordDto extends ResetPasswordDto {
  @ApiPropertyOptional({
    default: false,
    description:
      'Also replace the API key: the new one is in the answer (`api_key`, shown once), the old one is refused',
  })
  @IsBool()
  @ValidateIf((dto: AdminResetPasswordDto) => dto.rotate_api_key !== undefined)
  rotate_api_key?: boolean;
}

/**
 * The body of `POST /api/v1/me/api-key` (optional as a whole). A caller authenticated by a bearer token must give
 * its current password; one authenticated by its API key need not (that key is what is replaced), and when it
 * gives one anyway, it is checked.
 */
export class RotateApiKeyDto {
  static readonly forbidUnknownFields = true;
  static readonly optionalBody = true;

  @ApiPropertyOptional({
    format: 'password',
    description: 'Required when authenticated by a bearer token; checked whenever given',
  })
  @IsStr()
  @ValidateIf((dto: RotateApiKeyDto) => dto.current_password !== undefined)
  current_password?: string;
}
