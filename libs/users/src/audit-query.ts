import { ApiPropertyOptional } from '@nestjs/swagger';
import { Matches, ValidateBy, ValidateIf } from 'class-validator';
import { formatTimestamp, IsStr, MaxChars, Timestamp } from '@argilla/common';
import { AuditEvent, AuditFilters } from '@argilla/database';
import { EXPIRES_AT_PATTERN } from './create-access-token.dto';
import { PageQuery } from './list-users.query';

const FILTER_MAX_LENGTH = 255;
const TIME = { message: 'invalid datetime format', context: { type: 'value_error.datetime' } };
const TIME_DESCRIPTION = 'ISO 8601 with seconds; without a zone, UTC (as every time this API shows)';
/** EXPIRES_AT_PATTERN's parts: date, time, fraction, zone. */
const TIME_PARTS = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?(?:Z|([+-])(\d\d):(\d\d))?$/;

/** A time of the pattern that exists (no month 13, no February 30, no hour 25, no zone +25:00): checked after it. */
const IsExistingTime = (): PropertyDecorator =>
  ValidateBy(
    { name: 'isExistingTime', validator: { validate: (value) => typeof value !== 'string' || timeOf(value) !== null } },
    TIME,
  );

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
  @IsExistingTime()
  @Matches(EXPIRES_AT_PATTERN, TIME)
  @IsStr()
  @ValidateIf((query: AuditQuery) => query.since !== undefined)
  since?: string;

  @ApiPropertyOptional({ description: `Events before this time: ${TIME_DESCRIPTION}` })
  @IsExistingTime()
  @Matches(EXPIRES_AT_PATTERN, TIME)
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
    since: query.since === undefined ? undefined : timeOf(query.since)!,
    until: query.until === undefined ? undefined : timeOf(query.until)!,
  };
}

/**
 * The instant a time names, to the microsecond with or without a zone (UTC without); null when the text does not
 * match the pattern or names no existing time.
 */
function timeOf(text: string): Timestamp | null {
  const parts = TIME_PARTS.exec(text);
  if (!parts) return null;
  const [year, month, day, hour, minute, second] = parts.slice(1, 7).map(Number);
  const [offsetHours, offsetMinutes] = [Number(parts[9] ?? 0), Number(parts[10] ?? 0)];
  if (offsetHours > 23 || offsetMinutes > 59) return null;
  const at = new Date(0);
  // Not Date.UTC, which reads the years 0–99 as 1900–1999.
  at.setUTCFullYear(year, month - 1, day);
  at.setUTCHours(hour, minute, second, 0);
  const exists =
    at.getUTCFullYear() === year &&
    at.getUTCMonth() === month - 1 &&
    at.getUTCDate() === day &&
    at.getUTCHours() === hour &&
    at.getUTCMinutes() === minute &&
    at.getUTCSeconds() === second;
  if (!exists) return null;
  const offsetMs = (parts[8] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  const utc = at.getTime() - offsetMs;
  // Years 1 to 9999 once in UTC, as both engines store a time (PostgreSQL refuses year 0 and year 10000).
  if (utc < MIN_TIME || utc >= MAX_TIME) return null;
  return new Timestamp(utc * 1000 + Number((parts[7] ?? '').padEnd(6, '0')));
}

const MIN_TIME = new Date('0001-01-01T00:00:00Z').getTime();
const MAX_TIME = new Date('+010000-01-01T00:00:00Z').getTime();

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
