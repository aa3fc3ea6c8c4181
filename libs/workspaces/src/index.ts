export * from './create-workspace.dto';
export * from './workspace-response';
export * from './workspaces.module';
export * from './workspaces.service';
