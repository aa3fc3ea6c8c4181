import { Injectable } from '@nestjs/common';
import { User, Workspace } from '@argilla/database';
import { UsersRepository } from '@argilla/users';
import { WorkspacesService } from '@argilla/workspaces';
import { pyRepr } from './python-repr';

/** Finds what a command names (users by username, workspaces by name), with a one-line error when it is not there. */
@Injectable()
export class Lookup {
  constructor(
    private readonly users: UsersRepository,
    private readonly workspaces: WorkspacesService,
  ) {}

  async user(username: string): Promise<User> {
    const user = await this.users.findByUsername(username);
    if (!user) throw new Error(`User with username ${pyRepr(username)} not found`);
    return user;
  }

  async workspace(name: string): Promise<Workspace> {
    const workspace = await this.workspaces.findByName(name);
    if (!workspace) throw new Error(`Workspace with name ${pyRepr(name)} not found`);
    return workspace;
  }
}
