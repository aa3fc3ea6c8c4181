import { Module } from '@nestjs/common';
import { DefaultUserService } from './default-user.service';
import { PasswordHasher } from './password-hasher';
import { UsersExporter } from './users-exporter.service';
import { UsersImporter } from './users-importer.service';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

/** Users and their credentials (needs DatabaseModule). */
@Module({
  providers: [UsersRepository, UsersService, PasswordHasher, DefaultUserService, UsersImporter, UsersExporter],
  exports: [UsersRepository, UsersService, PasswordHasher, DefaultUserService, UsersImporter, UsersExporter],
})
export class UsersModule {}
