import { Global, Module } from '@nestjs/common';
import { AuditLog } from './audit-log';

/** Provides `AuditLog` to every module of either app (needs DatabaseModule). */
@Global()
@Module({ providers: [AuditLog], exports: [AuditLog] })
export class AuditModule {}
