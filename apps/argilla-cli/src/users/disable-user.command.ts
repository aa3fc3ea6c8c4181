import { SubCommand } from 'nest-commander';
import { pyRepr } from '../python-repr';
import { UserCommand } from './user-command';

/** Sets the disabled flag; saying so when it is already set (exit 0). */
abstract class SetDisabledCommand extends UserCommand {
  protected abstract readonly disabled: boolean;

  async run([username]: string[]): Promise<void> {
    const user = await this.lookup.user(username);
    const state = this.disabled ? 'disabled' : 'enabled';
    if (user.disabled === this.disabled) {
      this.output.line(`User ${pyRepr(username)} is already ${state}. Skipping...`);
      return;
    }
    await this.users.update(user.id, { disabled: this.disabled });
    this.output.line(
      this.disabled
        ? `User ${pyRepr(username)} successfully disabled: its API key, tokens and logins are refused.`
        : `User ${pyRepr(username)} successfully enabled.`,
    );
  }
}

@SubCommand({
  name: 'disable',
  arguments: '<username>',
  description: "Refuse a user's API key, tokens and logins (the last enabled admin or owner cannot be disabled)",
})
export class DisableUserCommand extends SetDisabledCommand {
  protected readonly disabled = true;
}

@SubCommand({ name: 'enable', arguments: '<username>', description: 'Accept a disabled user again' })
export class EnableUserCommand extends SetDisabledCommand {
  protected readonly disabled = false;
}
