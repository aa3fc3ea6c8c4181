export * from './settings';
export * from './oauth-settings';
export * from './config.module';
export * from './version';
