import { ApiProperty } from '@nestjs/swagger';
import { IsName, IsStr, Required } from '@argilla/common';

/** The body of `POST /api/workspaces`. */
export class CreateWorkspaceDto {
  @ApiProperty({ example: 'team', pattern: '^(?!-|_)[a-z0-9-_]+$' })
  @IsName()
  @IsStr()
  @Required()
  name: string;
}
