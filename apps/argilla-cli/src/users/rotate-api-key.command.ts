import { SubCommand } from 'nest-commander';
import { pyRepr } from '../python-repr';
import { UserCommand } from './user-command';

@SubCommand({
  name: 'rotate-api-key',
  arguments: '<username>',
  description: "Replace a user's API key with a new random one, printed once; the old key is refused from then on",
})
export class RotateApiKeyCommand extends UserCommand {
  async run([username]: string[]): Promise<void> {
    const user = await this.lookup.user(username);
    const rotated = await this.users.rotateApiKey(user.id);
    this.output.line(`API key of user ${pyRepr(username)} successfully replaced; the old one is refused.`);
    this.output.line(`• api_key: ${pyRepr(rotated.apiKey)}`);
  }
}
