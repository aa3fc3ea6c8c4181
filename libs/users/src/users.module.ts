import { Module } from '@nestjs/common';
import { DefaultUserService } from './default-user.service';
import { PasswordHasher } from './password-hasher';
import { UsersExporter } from './users-exporter.service';
import { UsersImporter } from './users-importer.service';
import { UsersService } from './users.service';

/** Users and their credentials (needs DatabaseModule). */
@Module({
  providers: [UsersService, PasswordHasher, DefaultUserService, UsersImporter, UsersExporter],
  exports: [UsersService, PasswordHasher, DefaultUserService, UsersImporter, UsersExporter],
})
export class UsersModule {}
