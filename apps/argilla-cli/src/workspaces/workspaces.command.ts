import { Command, CommandRunner } from 'nest-commander';
import { AddWorkspaceUserCommand } from './add-workspace-user.command';
import { CreateWorkspaceCommand } from './create-workspace.command';
import { DeleteWorkspaceCommand } from './delete-workspace.command';
import { ListWorkspacesCommand } from './list-workspaces.command';
import { RemoveWorkspaceUserCommand } from './remove-workspace-user.command';

export const WORKSPACE_SUBCOMMANDS = [
  ListWorkspacesCommand,
  CreateWorkspaceCommand,
  DeleteWorkspaceCommand,
  AddWorkspaceUserCommand,
  RemoveWorkspaceUserCommand,
];

@Command({
  name: 'workspaces',
  description: 'Manage workspaces: list, create, delete, add-user, remove-user',
  subCommands: WORKSPACE_SUBCOMMANDS,
})
export class WorkspacesCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.outputHelp({ error: true });
    process.exitCode = 2;
  }
}
