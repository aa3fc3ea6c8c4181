import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, Unique } from 'typeorm';
import { STORED_ID } from '../storage';
import { User } from './user.entity';

export const TOKEN_SCOPES = ['read', 'full'] as const;
/** `read`: GET and HEAD only; `full`: the user's own rights. */
export type TokenScope = (typeof TOKEN_SCOPES)[number];

/**
 * A personal access token: a named, scoped, possibly expiring credential of a user, accepted in `X-Argilla-Api-Key`.
 * Only the SHA-256 of the secret is kept (`token_hash`, looked up by indexed equality); `prefix` is the start of the
 * secret, shown so that a user can tell its tokens apart.
 */
@Entity({ name: 'personal_access_tokens' })
@Unique('personal_access_token_user_id_name_uq', ['userId', 'name'])
export class PersonalAccessToken {
  @PrimaryColumn({ type: 'uuid', transformer: STORED_ID, primaryKeyConstraintName: 'personal_access_tokens_pkey' })
  id: string;

  @Index('ix_personal_access_tokens_user_id')
  @Column({ name: 'user_id', type: 'uuid', transformer: STORED_ID })
  userId: string;

  @Column({ type: 'varchar' })
  name: string;

  @Column({ type: 'varchar' })
  scope: TokenScope;

  @Column({ type: 'varchar' })
  prefix: string;

  /** Hex SHA-256 of the whole secret. */
  @Index('ix_personal_access_tokens_token_hash', { unique: true })
  @Column({ name: 'token_hash', type: 'varchar' })
  tokenHash: string;

  @Column({ name: 'created_at' })
  createdAt: Date;

  @Column({ name: 'expires_at', type: Date, nullable: true })
  expiresAt: Date | null;

  @Column({ name: 'last_used_at', type: Date, nullable: true })
  lastUsedAt: Date | null;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'personal_access_tokens_user_id_fkey' })
  user?: User;
}
