import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One row (id 1): a counter that triggers increment on every change to users, workspaces and memberships, in the
 * changing transaction. Read by caches of whole lists to know whether what they hold is still exact.
 */
@Entity({ name: 'data_version' })
export class DataVersion {
  @PrimaryColumn({ type: 'integer', primaryKeyConstraintName: 'data_version_pkey' })
  id: number;

  /** A bigint: node-postgres returns it as a string. */
  @Column({ type: 'bigint' })
  version: string;
}
