import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsStr, Required } from '@argilla/common';

// An empty form field counts as missing, as in Argilla (FastAPI forms).
const EmptyAsMissing = (): PropertyDecorator =>
  Transform(({ value }: { value: unknown }) => (value === '' ? undefined : value));

/** The OAuth2 password form of `POST /api/security/token` (form-urlencoded). */
export class TokenRequestDto {
  @ApiProperty({ example: 'argilla' })
  @IsStr()
  @Required()
  @EmptyAsMissing()
  username: string;

  @ApiProperty({ example: '1234', format: 'password' })
  @IsStr()
  @Required()
  @EmptyAsMissing()
  password: string;

  @ApiPropertyOptional({ enum: ['password'] }) grant_type?: string;
  @ApiPropertyOptional() scope?: string;
  @ApiPropertyOptional() client_id?: string;
  @ApiPropertyOptional() client_secret?: string;
}
