import { Controller, Get, Query } from '@nestjs/common';
import { ApiForbiddenResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { requireAdmin } from '@argilla/auth';
import { AuditLog, User } from '@argilla/database';
import { AuditEventResponse, AuditQuery, auditFilters, toAuditEventResponse } from '@argilla/users';
import { Access } from '../auth/access.decorator';
import { CurrentUser } from '../auth/current-user.decorator';
import { ApiValidationError } from '../docs/error-responses';
import { ErrorEnvelopeDto } from '../docs/responses';
import { Page } from './page';
import { AuditEventsV1Dto } from './v1-responses';

/** Beyond Argilla: the audit log, for admins. */
@ApiTags('audit (v1)')
@Controller('api/v1')
export class AuditController {
  constructor(private readonly audit: AuditLog) {}

  @Get('audit')
  @Access('admin')
  @ApiOperation({
    summary: 'The audit log, newest first, filtered by actor, action, target and time',
    description:
      'Every change to users, workspaces, memberships, passwords, API keys and tokens, the imports, the logins ' +
      '(failed ones counted per username, client and minute) and the migrations. Kept for ' +
      '`ARGILLA_AUDIT_RETENTION_DAYS` (180 by default).',
  })
  @ApiOkResponse({ type: AuditEventsV1Dto })
  @ApiForbiddenResponse({ description: 'The caller is not an admin', type: ErrorEnvelopeDto })
  @ApiValidationError()
  async list(@CurrentUser() caller: User, @Query() query: AuditQuery): Promise<Page<AuditEventResponse>> {
    requireAdmin(caller);
    const { items, total } = await this.audit.page(auditFilters(query), query.limit, query.offset);
    return { items: items.map(toAuditEventResponse), total };
  }
}
