import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, Unique } from 'typeorm';
import { STORED_ID } from '../storage';
import { User } from './user.entity';

/**
 * An identity at an OpenID provider linked to a user: the provider's name (as configured) and the ID token's `sub`,
 * which the provider never reassigns. Sign-ins find their user by this pair, never by username.
 */
@Entity({ name: 'oauth_identities' })
@Unique('oauth_identity_provider_subject_uq', ['provider', 'subject'])
export class OAuthIdentity {
  @PrimaryColumn({ type: 'uuid', transformer: STORED_ID, primaryKeyConstraintName: 'oauth_identities_pkey' })
  id: string;

  @Column({ type: 'varchar' })
  provider: string;

  @Column({ type: 'varchar' })
  subject: string;

  @Index('ix_oauth_identities_user_id')
  @Column({ name: 'user_id', type: 'uuid', transformer: STORED_ID })
  userId: string;

  /** The `email` claim when the identity was linked (for the admin's eyes; never used to find the user). */
  @Column({ type: 'varchar', nullable: true })
  email: string | null;

  @Column({ name: 'created_at' })
  createdAt: Date;

  @Column({ name: 'last_sign_in_at' })
  lastSignInAt: Date;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'oauth_identities_user_id_fkey' })
  user?: User;
}
