import { Injectable } from '@nestjs/common';
import { CommandRunner } from 'nest-commander';
import { UsersService } from '@argilla/users';
import { CliOutput } from '../cli-output';
import { Lookup } from '../lookup';

/** A command on one user, named by its username. Injectable, so that subclasses inherit its constructor's types. */
@Injectable()
export abstract class UserCommand extends CommandRunner {
  constructor(
    protected readonly users: UsersService,
    protected readonly lookup: Lookup,
    protected readonly output: CliOutput,
  ) {
    super();
  }
}
