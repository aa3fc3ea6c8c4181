import { Module } from '@nestjs/common';
import { UsersModule } from '@argilla/users';
import { AuthService } from './auth.service';
import { FailedLoginTiming } from './failed-login-timing';
import { LoginThrottle } from './login-throttle.service';

@Module({
  imports: [UsersModule],
  providers: [AuthService, LoginThrottle, FailedLoginTiming],
  exports: [AuthService, LoginThrottle],
})
export class AuthModule {}
