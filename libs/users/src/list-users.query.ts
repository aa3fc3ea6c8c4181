import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { Max, Min, ValidateIf, IsInt } from 'class-validator';
import { IsName, IsStr, OneOf } from '@argilla/common';
import { USER_ROLES, UserRole } from '@argilla/database';

export const PAGE_SIZE_DEFAULT = 50;
export const PAGE_SIZE_MAX = 500;

/** Query strings carry text: digits become a number, anything else stays text for the integer check to refuse. */
const ToInteger = (): PropertyDecorator =>
  Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value,
  );

const integerMessages = {
  int: { message: 'value is not a valid integer', context: { type: 'type_error.integer' } },
  min: (limit: number) => ({
    message: `ensure this value is greater than or equal to ${limit}`,
    context: { type: 'value_error.number.not_ge', ctx: { limit_value: limit } },
  }),
  max: (limit: number) => ({
    message: `ensure this value is less than or equal to ${limit}`,
    context: { type: 'value_error.number.not_le', ctx: { limit_value: limit } },
  }),
};

/** Paging of the v1 lists: `limit` (default 50, at most 500) and `offset`. */
export class PageQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: PAGE_SIZE_MAX, default: PAGE_SIZE_DEFAULT })
  @Max(PAGE_SIZE_MAX, integerMessages.max(PAGE_SIZE_MAX))
  @Min(1, integerMessages.min(1))
  @IsInt(integerMessages.int)
  @ToInteger()
  limit: number = PAGE_SIZE_DEFAULT;

  @ApiPropertyOptional({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, default: 0 })
  @Max(Number.MAX_SAFE_INTEGER, integerMessages.max(Number.MAX_SAFE_INTEGER))
  @Min(0, integerMessages.min(0))
  @IsInt(integerMessages.int)
  @ToInteger()
  offset: number = 0;
}

/** `GET /api/v1/users`: paging and filters. */
export class ListUsersQuery extends PageQuery {
  @ApiPropertyOptional({ enum: USER_ROLES, description: 'Only users with this role (`admin` does not match owners)' })
  @OneOf(USER_ROLES)
  @ValidateIf((query: ListUsersQuery) => query.role !== undefined)
  role?: UserRole;

  @ApiPropertyOptional({ description: 'Only the members of this workspace (its name)' })
  @IsName()
  @IsStr()
  @ValidateIf((query: ListUsersQuery) => query.workspace !== undefined)
  workspace?: string;

  @ApiPropertyOptional({ description: 'Only usernames starting with this text' })
  @IsStr()
  @ValidateIf((query: ListUsersQuery) => query.q !== undefined)
  q?: string;
}
