export * from './errors';
export * from './time';
export * from './validation';
export * from './semaphore';
export * from './private-files';
export * from './json-array-parts';
