import { Column, Entity, JoinColumn, OneToOne, PrimaryColumn } from 'typeorm';
import { STORED_ID } from '../storage';
import { WorkspaceUser } from './workspace-user.entity';

/**
 * Marks a membership as granted by a provider's claims: sign-ins through that provider add and remove only these.
 * A membership without a mark was granted by hand and is never touched by a sign-in. The mark goes with its
 * membership (removed by hand: the mark goes too).
 */
@Entity({ name: 'oauth_memberships' })
export class OAuthMembership {
  @PrimaryColumn({
    name: 'membership_id',
    type: 'uuid',
    transformer: STORED_ID,
    primaryKeyConstraintName: 'oauth_memberships_pkey',
  })
  membershipId: string;

  @Column({ type: 'varchar' })
  provider: string;

  @Column({ name: 'created_at' })
  createdAt: Date;

  @OneToOne(() => WorkspaceUser, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'membership_id', foreignKeyConstraintName: 'oauth_memberships_membership_id_fkey' })
  membership?: WorkspaceUser;
}
