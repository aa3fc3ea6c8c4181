import { DynamicModule, Global, Module } from '@nestjs/common';
import { loadSettings, Settings } from './settings';

export const SETTINGS = Symbol('SETTINGS');

/**
 * Makes the settings available to every module. The apps load (and validate) them before Nest starts,
 * so that a bad value stops the process before anything is opened.
 */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(settings: Settings = loadSettings()): DynamicModule {
    return {
      module: ConfigModule,
      providers: [{ provide: SETTINGS, useValue: settings }],
      exports: [SETTINGS],
    };
  }
}
