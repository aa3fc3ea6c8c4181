import { SubCommand } from 'nest-commander';
import { pyRepr } from '../python-repr';
import { UserCommand } from './user-command';

@SubCommand({
  name: 'delete',
  arguments: '<username>',
  description:
    'Delete a user and its memberships (its workspaces stay). The last enabled admin or owner cannot be deleted',
})
export class DeleteUserCommand extends UserCommand {
  async run([username]: string[]): Promise<void> {
    const user = await this.lookup.user(username);
    await this.users.delete(user.id, { lastAdmin: 'refuse' });
    this.output.line(`User ${pyRepr(username)} successfully deleted.`);
  }
}
