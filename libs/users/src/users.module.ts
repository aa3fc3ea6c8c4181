import { Module } from '@nestjs/common';
import { PasswordHasher } from './password-hasher';
import { UsersService } from './users.service';

/** Users and their credentials (needs DatabaseModule). */
@Module({ providers: [UsersService, PasswordHasher], exports: [UsersService, PasswordHasher] })
export class UsersModule {}
