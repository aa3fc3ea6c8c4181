export * from './auth.module';
export * from './auth.service';
export * from './failed-login-timing';
export * from './jwt';
export * from './jwt-secret';
export * from './policies';
export * from './login-throttle.service';
export * from './oauth';
