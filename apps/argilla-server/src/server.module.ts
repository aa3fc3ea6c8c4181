import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ConfigModule, Settings } from '@argilla/config';
import { DatabaseModule } from '@argilla/database';
import { ApiExceptionFilter } from './errors/api-exception.filter';
import { StatusController } from './status/status.controller';
import { StatusService } from './status/status.service';

@Module({})
export class ServerModule {
  static forRoot(settings: Settings): DynamicModule {
    return {
      module: ServerModule,
      imports: [ConfigModule.forRoot(settings), DatabaseModule],
      controllers: [StatusController],
      providers: [StatusService, { provide: APP_FILTER, useClass: ApiExceptionFilter }],
    };
  }
}
