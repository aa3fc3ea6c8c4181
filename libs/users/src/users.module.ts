import { Module } from '@nestjs/common';
import { DefaultUserService } from './default-user.service';
import { LinkedIdentitiesService } from './linked-identities.service';
import { PasswordHasher } from './password-hasher';
import { PersonalAccessTokensRepository } from './personal-access-tokens.repository';
import { PersonalAccessTokensService } from './personal-access-tokens.service';
import { UserSessionsRepository } from './user-sessions.repository';
import { UserSessionsService } from './user-sessions.service';
import { UsersExporter } from './users-exporter.service';
import { UsersImporter } from './users-importer.service';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

const PROVIDERS = [
  UsersRepository,
  UsersService,
  PasswordHasher,
  DefaultUserService,
  UsersImporter,
  UsersExporter,
  LinkedIdentitiesService,
  PersonalAccessTokensRepository,
  PersonalAccessTokensService,
  UserSessionsRepository,
  UserSessionsService,
];

/** Users and their credentials (needs DatabaseModule). */
@Module({
  providers: PROVIDERS,
  exports: PROVIDERS,
})
export class UsersModule {}
