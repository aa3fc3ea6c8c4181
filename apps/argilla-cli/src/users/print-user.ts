import { User } from '@argilla/database';
import { CliOutput } from '../cli-output';
import { pyRepr } from '../python-repr';

/** A user's fields as bullet lines, in `users create`'s words. */
export function printUser(output: CliOutput, user: User, workspaces?: string[]): void {
  output.line(`• first_name: ${pyRepr(user.firstName)}`);
  if (user.lastName) output.line(`• last_name: ${pyRepr(user.lastName)}`);
  output.line(`• username: ${pyRepr(user.username)}`);
  output.line(`• role: ${pyRepr(user.role)}`);
  if (workspaces) output.line(`• workspaces: ${pyRepr(workspaces)}`);
  output.line(`• disabled: ${pyRepr(user.disabled)}`);
}
