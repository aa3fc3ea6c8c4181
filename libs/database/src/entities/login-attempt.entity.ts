import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * Failed-login counters, kept in the database so that the limit holds across replicas and restarts.
 * `key` is `user:<username>` or `client:<address>`.
 */
@Entity({ name: 'login_attempts' })
export class LoginAttempt {
  @PrimaryColumn({ type: 'varchar', primaryKeyConstraintName: 'login_attempts_pkey' })
  key: string;

  @Column({ type: 'integer' })
  failures: number;

  @Column({ name: 'window_started_at' })
  windowStartedAt: Date;

  @Column({ name: 'locked_until', nullable: true, type: Date })
  lockedUntil: Date | null;

  @Index('ix_login_attempts_updated_at')
  @Column({ name: 'updated_at' })
  updatedAt: Date;
}
