import { formatTimestamp } from '@argilla/common';
import { Workspace } from '@argilla/database';

export interface WorkspaceResponse {
  id: string;
  name: string;
  inserted_at: string;
  updated_at: string;
}

export function toWorkspaceResponse(workspace: Workspace): WorkspaceResponse {
  return {
    id: workspace.id,
    name: workspace.name,
    inserted_at: formatTimestamp(workspace.insertedAt),
    updated_at: formatTimestamp(workspace.updatedAt),
  };
}
