import { ApiPropertyOptional } from '@nestjs/swagger';
import { ValidateIf } from 'class-validator';
import { formatTimestamp, IsIsoTime, IsStr, MaxChars, parseIsoTime } from '@argilla/common';
import { AuditEvent, AuditFilters } from '@argilla/database';
import { PageQuery } from './list-users.query';

const FILTER_MAX_LENGTH = 255;
const TIME_DESCRIPTION = 'ISO 8601 with seconds; without a zone, UTC (as every time this API shows)';

/** `GET /api/v1/audit` and `argilla-cli audit list`: paging and filters, all exact. */
export class AuditQuery extends PageQuery {
  @ApiPropertyOptional({ description: "The actor's name (a username, an operating-system user, `system`) or user id" })
  @MaxChars(FILTER_MAX_LENGTH)
  @IsStr()
  @ValidateIf((query: AuditQuery) => query.actor !== undefined)
  actor?: string;

  @ApiPropertyOptional({ example: 'user.created', description: 'An action, such as `user.created`' })
  @MaxChars(FILTER_MAX_LENGTH)
  @IsStr()
  @ValidateIf((query: AuditQuery) => query.action !== undefined)
  action?: string;

  @ApiPropertyOptional({
    example: 'user',
    description: 'A target type: `user`, `workspace`, `personal_access_token`, …',
  })
  @MaxChars(FILTER_MAX_LENGTH)
  @IsStr()
  @ValidateIf((query: AuditQuery) => query.target_type !== undefined)
  target_type?: string;

  @ApiPropertyOptional({ description: "A target's id" })
  @MaxChars(FILTER_MAX_LENGTH)
  @IsStr()
  @ValidateIf((query: AuditQuery) => query.target_id !== undefined)
  target_id?: string;

  @ApiPropertyOptional({ description: `Events at or after this time: ${TIME_DESCRIPTION}` })
  @IsIsoTime()
  @IsStr()
  @ValidateIf((query: AuditQuery) => query.since !== undefined)
  since?: string;

  @ApiPropertyOptional({ description: `Events before this time: ${TIME_DESCRIPTION}` })
  @IsIsoTime()
  @IsStr()
  @ValidateIf((query: AuditQuery) => query.until !== undefined)
  until?: string;
}

/** The filters of a validated query. */
export function auditFilters(query: AuditQuery): AuditFilters {
  return {
    actor: query.actor,
    action: query.action,
    targetType: query.target_type,
    targetId: query.target_id,
    since: query.since === undefined ? undefined : parseIsoTime(query.since)!,
    until: query.until === undefined ? undefined : parseIsoTime(query.until)!,
  };
}

/** An audit event as the API shows it. */
export interface AuditEventResponse {
  id: number;
  time: string;
  actor: { type: string; id?: string; name: string };
  action: string;
  target: { type: string; id?: string; name?: string };
  client?: string;
  request_id?: string;
  details: Record<string, unknown>;
}

export function toAuditEventResponse(event: AuditEvent): AuditEventResponse {
  const details = JSON.parse(event.details) as Record<string, unknown>;
  return {
    id: Number(event.id),
    time: formatTimestamp(event.time),
    actor: { type: event.actorType, ...(event.actorId ? { id: event.actorId } : {}), name: event.actorName },
    action: event.action,
    target: {
      type: event.targetType,
      ...(event.targetId ? { id: event.targetId } : {}),
      ...(event.targetName !== null ? { name: event.targetName } : {}),
    },
    ...(event.client ? { client: event.client } : {}),
    ...(event.requestId ? { request_id: event.requestId } : {}),
    // A repeated event (failed logins) says how many times it happened.
    details: event.bucket === null ? details : { ...details, count: event.count },
  };
}
