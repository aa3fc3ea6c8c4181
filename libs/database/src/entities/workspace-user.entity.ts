import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, Unique } from 'typeorm';
import { STORED_ID } from '../storage';
import { User } from './user.entity';
import { Workspace } from './workspace.entity';

/** A membership: user `user_id` belongs to workspace `workspace_id`. */
@Entity({ name: 'workspaces_users' })
@Unique('workspace_id_user_id_uq', ['workspaceId', 'userId'])
export class WorkspaceUser {
  @PrimaryColumn({ type: 'uuid', transformer: STORED_ID, primaryKeyConstraintName: 'workspaces_users_pkey' })
  id: string;

  @Index('ix_workspaces_users_workspace_id')
  @Column({ name: 'workspace_id', type: 'uuid', transformer: STORED_ID })
  workspaceId: string;

  @Index('ix_workspaces_users_user_id')
  @Column({ name: 'user_id', type: 'uuid', transformer: STORED_ID })
  userId: string;

  @Column({ name: 'inserted_at' })
  insertedAt: Date;

  @Column({ name: 'updated_at' })
  updatedAt: Date;

  @ManyToOne(() => Workspace, (workspace) => workspace.memberships, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'workspace_id', foreignKeyConstraintName: 'workspaces_users_workspace_id_fkey' })
  workspace?: Workspace;

  @ManyToOne(() => User, (user) => user.memberships, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'workspaces_users_user_id_fkey' })
  user?: User;
}
