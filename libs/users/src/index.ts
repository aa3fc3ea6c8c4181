export * from './api-key';
export * from './create-user.dto';
export * from './password-hasher';
export * from './user-response';
export * from './users.module';
export * from './users.service';
