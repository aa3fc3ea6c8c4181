export * from './api-key';
export * from './create-user.dto';
export * from './default-user.service';
export * from './password-hasher';
export * from './user-response';
export * from './users-importer.service';
export * from './users.module';
export * from './users.service';
