import { Module } from '@nestjs/common';
import { UsersModule } from '@argilla/users';
import { AuthService } from './auth.service';

@Module({ imports: [UsersModule], providers: [AuthService], exports: [AuthService] })
export class AuthModule {}
