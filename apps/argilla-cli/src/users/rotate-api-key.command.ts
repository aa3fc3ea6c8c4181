import { CommandRunner, SubCommand } from 'nest-commander';
import { UsersService } from '@argilla/users';
import { CliOutput } from '../cli-output';
import { Lookup } from '../lookup';
import { pyRepr } from '../python-repr';

@SubCommand({
  name: 'rotate-api-key',
  arguments: '<username>',
  description: "Replace a user's API key with a new random one, printed once; the old key is refused from then on",
})
export class RotateApiKeyCommand extends CommandRunner {
  constructor(
    private readonly users: UsersService,
    private readonly lookup: Lookup,
    private readonly output: CliOutput,
  ) {
    super();
  }

  async run([username]: string[]): Promise<void> {
    const user = await this.lookup.user(username);
    const rotated = await this.users.rotateApiKey(user.id);
    this.output.line(`API key of user ${pyRepr(username)} successfully replaced; the old one is refused.`);
    this.output.line(`• api_key: ${pyRepr(rotated.apiKey)}`);
  }
}
