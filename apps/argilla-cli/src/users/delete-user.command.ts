import { CommandRunner, SubCommand } from 'nest-commander';
import { UsersService } from '@argilla/users';
import { CliOutput } from '../cli-output';
import { Lookup } from '../lookup';
import { pyRepr } from '../python-repr';

@SubCommand({
  name: 'delete',
  arguments: '<username>',
  description: 'Delete a user and its memberships (its workspaces stay). The last enabled admin cannot be deleted',
})
export class DeleteUserCommand extends CommandRunner {
  constructor(
    private readonly users: UsersService,
    private readonly lookup: Lookup,
    private readonly output: CliOutput,
  ) {
    super();
  }

  async run([username]: string[]): Promise<void> {
    const user = await this.lookup.user(username);
    await this.users.remove(user.id);
    this.output.line(`User ${pyRepr(username)} successfully deleted.`);
  }
}
