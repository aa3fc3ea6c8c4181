import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { STORED_ID } from '../storage';
import { User } from './user.entity';

/**
 * A session: one sign-in (a password login at `/api/security/token`, or single sign-on), whose bearer JWT carries
 * the session's id (`sid`). The JWT is accepted only while its session row exists: logging out, ending the session
 * or ending all of the user's sessions deletes it. `expires_at` is the JWT's own expiry.
 */
@Entity({ name: 'user_sessions' })
export class UserSession {
  @PrimaryColumn({ type: 'uuid', transformer: STORED_ID, primaryKeyConstraintName: 'user_sessions_pkey' })
  id: string;

  @Index('ix_user_sessions_user_id')
  @Column({ name: 'user_id', type: 'uuid', transformer: STORED_ID })
  userId: string;

  @Column({ name: 'created_at' })
  createdAt: Date;

  /** Written at most once a minute per session. */
  @Column({ name: 'last_seen_at' })
  lastSeenAt: Date;

  @Column({ name: 'expires_at' })
  expiresAt: Date;

  /** The client's address at sign-in. */
  @Column({ type: 'varchar', nullable: true })
  client: string | null;

  /** The `User-Agent` at sign-in, cut to 512 characters. */
  @Column({ name: 'user_agent', type: 'varchar', nullable: true })
  userAgent: string | null;

  /** The single sign-on provider signed in through; null for a password login. */
  @Column({ type: 'varchar', nullable: true })
  provider: string | null;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'user_sessions_user_id_fkey' })
  user?: User;
}
