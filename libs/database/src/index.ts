export * from './entities';
export * from './migrations';
export * from './data-source';
export * from './migration-runner';
export * from './database.module';
export * from './database-unavailable';
export * from './constraint-violations';
export * from './bulk-insert';
