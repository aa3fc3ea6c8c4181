import { Column, Entity, Index, OneToMany, PrimaryColumn } from 'typeorm';
import { STORED_ID } from '../storage';
import type { WorkspaceUser } from './workspace-user.entity';

/**
 * `admin` and `annotator` are Argilla 1.8's roles; `owner` is the superuser role of Argilla 1.11 and later, whose
 * Python clients let only an owner manage users and workspaces. Here an owner has exactly an admin's rights.
 */
export const USER_ROLES = ['admin', 'annotator', 'owner'] as const;
export type UserRole = (typeof USER_ROLES)[number];

/** The roles with every right: admins and owners alike (the last-admin rules count them together). */
export const ADMIN_ROLES: readonly UserRole[] = ['admin', 'owner'];

export function hasAdminRights(role: string): boolean {
  return (ADMIN_ROLES as readonly string[]).includes(role);
}

@Entity({ name: 'users' })
export class User {
  @PrimaryColumn({ type: 'uuid', transformer: STORED_ID, primaryKeyConstraintName: 'users_pkey' })
  id: string;

  @Column({ name: 'first_name', type: 'varchar' })
  firstName: string;

  @Column({ name: 'last_name', type: 'varchar', nullable: true })
  lastName: string | null;

  @Index('ix_users_username', { unique: true })
  @Column({ type: 'varchar' })
  username: string;

  @Index('ix_users_role')
  @Column({ type: 'varchar' })
  role: UserRole;

  @Index('ix_users_api_key', { unique: true })
  @Column({ name: 'api_key', type: 'text' })
  apiKey: string;

  @Column({ name: 'password_hash', type: 'text' })
  passwordHash: string;

  /** A disabled user's key, tokens and logins are refused. */
  @Column({ type: 'boolean', default: false })
  disabled: boolean;

  /** Tokens issued before this time (a password change, or disabling the user) are refused. */
  @Column({ name: 'tokens_valid_after', type: Date, nullable: true })
  tokensValidAfter: Date | null;

  // No explicit type: each engine maps Date to its own timestamp type (PostgreSQL `timestamp`, SQLite `datetime`).
  @Column({ name: 'inserted_at' })
  insertedAt: Date;

  @Column({ name: 'updated_at' })
  updatedAt: Date;

  @OneToMany('WorkspaceUser', (membership: WorkspaceUser) => membership.user)
  memberships?: WorkspaceUser[];
}
