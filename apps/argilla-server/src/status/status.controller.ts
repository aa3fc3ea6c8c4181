import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { Access } from '../auth/access.decorator';
import { ServerStatus, StatusService } from './status.service';

@ApiTags('status')
@Access('public')
@Controller('api')
export class StatusController {
  constructor(private readonly status: StatusService) {}

  @Get('_info')
  @ApiOperation({ summary: 'Server version' })
  @ApiOkResponse({ schema: { type: 'object', properties: { version: { type: 'string', example: '1.8.0' } } } })
  info(): { version: string } {
    return this.status.info();
  }

  @Get('_status')
  @ApiOperation({ summary: 'Server version, database reachability and memory use' })
  @ApiOkResponse({
    schema: {
      type: 'object',
      properties: {
        version: { type: 'string', example: '1.8.0' },
        database: {
          type: 'object',
          properties: {
            engine: { type: 'string', enum: ['postgresql', 'sqlite'] },
            status: { type: 'string', enum: ['ok'] },
          },
        },
        mem_info: {
          type: 'object',
          properties: { rss: { type: 'integer' }, heap_used: { type: 'integer' } },
        },
      },
    },
  })
  @ApiServiceUnavailableResponse({ description: 'The database cannot be reached' })
  getStatus(): Promise<ServerStatus> {
    return this.status.status();
  }
}
