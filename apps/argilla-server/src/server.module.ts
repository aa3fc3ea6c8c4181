import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { AuthModule } from '@argilla/auth';
import { ConfigModule, Settings } from '@argilla/config';
import { AuditModule, DatabaseModule } from '@argilla/database';
import { UsersModule } from '@argilla/users';
import { WorkspacesModule } from '@argilla/workspaces';
import { AuthGuard } from './auth/auth.guard';
import { ApiExceptionFilter } from './errors/api-exception.filter';
import { MetricsController } from './observability/metrics.controller';
import { OAuthCallbackController } from './oauth/oauth-callback.controller';
import { OAuthController } from './oauth/oauth.controller';
import { MetricsService } from './observability/metrics.service';
import { HourlySweep } from './security/hourly-sweep';
import { LoginCountersPurge } from './security/login-counters-purge';
import { SecurityController } from './security/security.controller';
import { StatusController } from './status/status.controller';
import { StatusService } from './status/status.service';
import { UsersController } from './users/users.controller';
import { RequestValidationPipe } from './validation/request-validation.pipe';
import { AccessTokensController } from './v1/access-tokens.controller';
import { SessionsController } from './v1/sessions.controller';
import { AuditController } from './v1/audit.controller';
import { UsersV1Controller } from './v1/users-v1.controller';
import { WorkspacesController } from './workspaces/workspaces.controller';

@Module({})
export class ServerModule {
  static forRoot(settings: Settings): DynamicModule {
    return {
      module: ServerModule,
      imports: [ConfigModule.forRoot(settings), DatabaseModule, AuditModule, UsersModule, WorkspacesModule, AuthModule],
      controllers: [
        StatusController,
        SecurityController,
        UsersController,
        WorkspacesController,
        UsersV1Controller,
        AccessTokensController,
        SessionsController,
        AuditController,
        OAuthController,
        OAuthCallbackController,
        ...(settings.operations.metricsEnabled ? [MetricsController] : []),
      ],
      providers: [
        StatusService,
        MetricsService,
        LoginCountersPurge,
        HourlySweep,
        { provide: APP_FILTER, useClass: ApiExceptionFilter },
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_PIPE, useClass: RequestValidationPipe },
      ],
    };
  }
}
