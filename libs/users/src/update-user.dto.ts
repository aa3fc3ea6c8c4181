import { ApiPropertyOptional } from '@nestjs/swagger';
import { ValidateIf } from 'class-validator';
import { IsStr, MinChars, OneOf, Trim } from '@argilla/common';
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

  @ApiPropertyOptional({ enum: USER_ROLES })
  @OneOf(USER_ROLES)
  @ValidateIf((dto: UpdateUserDto) => dto.role !== undefined)
  role?: UserRole;
}
