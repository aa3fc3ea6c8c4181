// The DataSource for the TypeORM CLI (e.g. `npx typeorm-ts-node-commonjs -d ormconfig.ts schema:log`),
// built from the same settings and options the apps use. Schema changes go through `argilla-cli database migrate`.
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadSettings } from './libs/config/src';
import { createDataSourceOptions } from './libs/database/src';

export default new DataSource(createDataSourceOptions(loadSettings().database));
