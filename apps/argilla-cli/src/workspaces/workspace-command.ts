import { Injectable } from '@nestjs/common';
import { CommandRunner } from 'nest-commander';
import { WorkspacesService } from '@argilla/workspaces';
import { CliOutput } from '../cli-output';
import { Lookup } from '../lookup';

/** A command on workspaces. Injectable, so that subclasses inherit its constructor's types. */
@Injectable()
export abstract class WorkspaceCommand extends CommandRunner {
  constructor(
    protected readonly workspaces: WorkspacesService,
    protected readonly lookup: Lookup,
    protected readonly output: CliOutput,
  ) {
    super();
  }
}
