import { ApiProperty } from '@nestjs/swagger';
import { IsName, IsStr, MaxChars, NAME_MAX_LENGTH, Required } from '@argilla/common';

/** The body of `POST /api/workspaces`. */
export class CreateWorkspaceDto {
  @ApiProperty({ example: 'team', pattern: '^(?!-|_)[a-z0-9-_]+$', maxLength: 255 })
  @MaxChars(NAME_MAX_LENGTH)
  @IsName()
  @IsStr()
  @Required()
  name: string;
}
