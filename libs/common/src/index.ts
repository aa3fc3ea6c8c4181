export * from './errors';
export * from './time';
export * from './validation';
export * from './semaphore';
export * from './private-files';
