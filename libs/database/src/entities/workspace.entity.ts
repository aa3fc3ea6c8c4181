import { Column, Entity, Index, OneToMany, PrimaryColumn } from 'typeorm';
import { STORED_ID } from '../storage';
import type { WorkspaceUser } from './workspace-user.entity';

@Entity({ name: 'workspaces' })
export class Workspace {
  @PrimaryColumn({ type: 'uuid', transformer: STORED_ID, primaryKeyConstraintName: 'workspaces_pkey' })
  id: string;

  @Index('ix_workspaces_name', { unique: true })
  @Column({ type: 'varchar' })
  name: string;

  @Column({ name: 'inserted_at' })
  insertedAt: Date;

  @Column({ name: 'updated_at' })
  updatedAt: Date;

  @OneToMany('WorkspaceUser', (membership: WorkspaceUser) => membership.workspace)
  memberships?: WorkspaceUser[];
}
