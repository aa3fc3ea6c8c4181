export * from './oauth.service';
export * from './oauth-accounts.service';
export * from './oauth-claims';
export * from './oauth-state';
