import { Module } from '@nestjs/common';
import { UsersModule } from '@argilla/users';
import { AuthService } from './auth.service';
import { FailedLoginTiming } from './failed-login-timing';
import { LoginThrottle } from './login-throttle.service';
import { OAuthAccountsService } from './oauth/oauth-accounts.service';
import { OAuthService } from './oauth/oauth.service';

@Module({
  imports: [UsersModule],
  providers: [AuthService, LoginThrottle, FailedLoginTiming, OAuthService, OAuthAccountsService],
  exports: [AuthService, LoginThrottle, OAuthService],
})
export class AuthModule {}
