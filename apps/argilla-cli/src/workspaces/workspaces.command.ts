import { Injectable } from '@nestjs/common';
import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { EntityAlreadyExistsError, formatTimestamp } from '@argilla/common';
import { CreateWorkspaceDto, WorkspacesService } from '@argilla/workspaces';
import { validated } from '../cli-errors';
import { CliOutput } from '../cli-output';
import { Lookup } from '../lookup';
import { pyRepr } from '../python-repr';

/** A command on workspaces. Injectable, so that subclasses inherit its constructor's types. */
@Injectable()
abstract class WorkspaceCommand extends CommandRunner {
  constructor(
    protected readonly workspaces: WorkspacesService,
    protected readonly lookup: Lookup,
    protected readonly output: CliOutput,
  ) {
    super();
  }
}

@SubCommand({
  name: 'list',
  description: 'List workspaces, oldest first, with their number of members (JSON with --json)',
})
export class ListWorkspacesCommand extends WorkspaceCommand {
  async run(_args: string[], options: { json?: boolean }): Promise<void> {
    const rows = await this.workspaces.listWithMemberCounts();
    if (options.json) {
      this.output.json(
        rows.map(({ workspace, members }) => ({
          id: workspace.id,
          name: workspace.name,
          members,
          inserted_at: formatTimestamp(workspace.insertedAt),
          updated_at: formatTimestamp(workspace.updatedAt),
        })),
      );
      return;
    }
    if (rows.length === 0) {
      this.output.line('No workspaces found.');
      return;
    }
    this.output.table(
      ['NAME', 'MEMBERS', 'CREATED'],
      rows.map(({ workspace, members }) => [
        workspace.name,
        String(members),
        workspace.insertedAt.toISOString().slice(0, 19).replace('T', ' '),
      ]),
    );
  }

  @Option({ flags: '--json', description: 'Print a JSON array instead of a table' })
  parseJson(): boolean {
    return true;
  }
}

@SubCommand({ name: 'create', arguments: '<name>', description: 'Create a workspace, unless it exists' })
export class CreateWorkspaceCommand extends WorkspaceCommand {
  async run([name]: string[]): Promise<void> {
    const input = validated(CreateWorkspaceDto, { name });
    try {
      await this.workspaces.create(input.name);
    } catch (error) {
      if (!(error instanceof EntityAlreadyExistsError)) throw error;
      this.output.line(`Workspace with name ${pyRepr(name)} already exists in database. Skipping...`);
      return;
    }
    this.output.line(`Workspace ${pyRepr(name)} successfully created.`);
  }
}

@SubCommand({
  name: 'delete',
  arguments: '<name>',
  description: 'Delete a workspace and its memberships (its users stay)',
})
export class DeleteWorkspaceCommand extends WorkspaceCommand {
  async run([name]: string[]): Promise<void> {
    const workspace = await this.lookup.workspace(name);
    await this.workspaces.delete(workspace.id);
    this.output.line(`Workspace ${pyRepr(name)} successfully deleted.`);
  }
}

@SubCommand({
  name: 'add-user',
  arguments: '<workspace> <username>',
  description: 'Make a user a member of a workspace',
})
export class AddWorkspaceUserCommand extends WorkspaceCommand {
  async run([name, username]: string[]): Promise<void> {
    const workspace = await this.lookup.workspace(name);
    const user = await this.lookup.user(username);
    try {
      await this.workspaces.addMember(workspace.id, user.id);
    } catch (error) {
      if (!(error instanceof EntityAlreadyExistsError)) throw error;
      this.output.line(`User ${pyRepr(username)} is already a member of workspace ${pyRepr(name)}. Skipping...`);
      return;
    }
    this.output.line(`User ${pyRepr(username)} successfully added to workspace ${pyRepr(name)}.`);
  }
}

@SubCommand({
  name: 'remove-user',
  arguments: '<workspace> <username>',
  description: 'Remove a user from a workspace',
})
export class RemoveWorkspaceUserCommand extends WorkspaceCommand {
  async run([name, username]: string[]): Promise<void> {
    const workspace = await this.lookup.workspace(name);
    const user = await this.lookup.user(username);
    if (!(await this.workspaces.isMember(workspace.id, user.id))) {
      throw new Error(`User ${pyRepr(username)} is not a member of workspace ${pyRepr(name)}`);
    }
    await this.workspaces.removeMember(workspace.id, user.id);
    this.output.line(`User ${pyRepr(username)} successfully removed from workspace ${pyRepr(name)}.`);
  }
}

@Command({
  name: 'workspaces',
  description: 'Manage workspaces: list, create, delete, add-user, remove-user',
  subCommands: [
    ListWorkspacesCommand,
    CreateWorkspaceCommand,
    DeleteWorkspaceCommand,
    AddWorkspaceUserCommand,
    RemoveWorkspaceUserCommand,
  ],
})
export class WorkspacesCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.outputHelp({ error: true });
    process.exitCode = 2;
  }
}
