import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export const AUDIT_ACTOR_TYPES = ['user', 'cli', 'system'] as const;
export type AuditActorType = (typeof AUDIT_ACTOR_TYPES)[number];

/**
 * One recorded action: who (`actor_*`), what (`action`), to what (`target_*`), from where (`client`, `request_id`
 * over HTTP), and a small JSON of what changed (`details`; never a secret). Written in the transaction of the change
 * it records. Repeated failed logins share a row per `bucket` (username, client and minute), counted in `count`.
 */
@Entity({ name: 'audit_events' })
export class AuditEvent {
  @PrimaryGeneratedColumn('increment', { primaryKeyConstraintName: 'audit_events_pkey' })
  id: number;

  @Index('ix_audit_events_time')
  @Column()
  time: Date;

  @Column({ name: 'actor_type', type: 'varchar' })
  actorType: AuditActorType;

  @Column({ name: 'actor_id', type: 'varchar', nullable: true })
  actorId: string | null;

  @Index('ix_audit_events_actor_name')
  @Column({ name: 'actor_name', type: 'varchar' })
  actorName: string;

  @Index('ix_audit_events_action')
  @Column({ type: 'varchar' })
  action: string;

  @Column({ name: 'target_type', type: 'varchar' })
  targetType: string;

  @Index('ix_audit_events_target_id')
  @Column({ name: 'target_id', type: 'varchar', nullable: true })
  targetId: string | null;

  @Column({ name: 'target_name', type: 'varchar', nullable: true })
  targetName: string | null;

  @Column({ type: 'varchar', nullable: true })
  client: string | null;

  @Column({ name: 'request_id', type: 'varchar', nullable: true })
  requestId: string | null;

  /** JSON text. */
  @Column({ type: 'text' })
  details: string;

  @Column({ type: 'integer', default: 1 })
  count: number;

  @Index('ix_audit_events_bucket', { unique: true })
  @Column({ type: 'varchar', nullable: true })
  bucket: string | null;
}
