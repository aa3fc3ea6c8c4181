import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, Max, Min, ValidateIf } from 'class-validator';
import { IsIsoTime, IsStr, MaxChars, MinChars, OneOf, Required, Trim } from '@argilla/common';
import { TOKEN_SCOPES, TokenScope } from '@argilla/database';

export const TOKEN_NAME_MAX_LENGTH = 100;
/** The longest lifetime anyone may ask for (100 years); `ARGILLA_ACCESS_TOKEN_MAX_DAYS` usually caps it lower. */
export const TOKEN_DAYS_MAX = 36_500;
/** The default scope when none is given: the least one. */
export const DEFAULT_TOKEN_SCOPE: TokenScope = 'read';

export const SCOPE_DESCRIPTION =
  '`read`: GET and HEAD requests only (others are 403); `full`: everything the user may do, except creating tokens, ' +
  'changing a password or replacing an API key';

/** The body of `POST /api/v1/me/tokens`, and what `argilla-cli users create-token` checks its options against. */
export class CreateAccessTokenDto {
  static readonly forbidUnknownFields = true;

  @ApiProperty({ example: 'ci-export', description: "Trimmed; unique among the caller's tokens", maxLength: 100 })
  @MaxChars(TOKEN_NAME_MAX_LENGTH)
  @MinChars(1)
  @IsStr()
  @Trim()
  @Required()
  name: string;

  @ApiPropertyOptional({ enum: TOKEN_SCOPES, default: DEFAULT_TOKEN_SCOPE, description: SCOPE_DESCRIPTION })
  @OneOf(TOKEN_SCOPES)
  @ValidateIf((dto: CreateAccessTokenDto) => dto.scope !== undefined)
  scope?: TokenScope;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: TOKEN_DAYS_MAX,
    description:
      "Days until the token expires (not with `expires_at`). Neither: it expires after the server's maximum " +
      '(`ARGILLA_ACCESS_TOKEN_MAX_DAYS`, 365 by default), or never when the server has none',
  })
  @Max(TOKEN_DAYS_MAX, {
    message: `ensure this value is less than or equal to ${TOKEN_DAYS_MAX}`,
    context: { type: 'value_error.number.not_le', ctx: { limit_value: TOKEN_DAYS_MAX } },
  })
  @Min(1, {
    message: 'ensure this value is greater than or equal to 1',
    context: { type: 'value_error.number.not_ge', ctx: { limit_value: 1 } },
  })
  @IsInt({ message: 'value is not a valid integer', context: { type: 'type_error.integer' } })
  @ValidateIf((dto: CreateAccessTokenDto) => dto.expires_in_days !== undefined)
  expires_in_days?: number;

  @ApiPropertyOptional({
    example: '2027-01-31T00:00:00',
    description: 'When the token expires (not with `expires_in_days`): ISO 8601 with seconds; no zone means UTC',
  })
  @IsIsoTime()
  @IsStr()
  @ValidateIf((dto: CreateAccessTokenDto) => dto.expires_at !== undefined)
  expires_at?: string;
}
