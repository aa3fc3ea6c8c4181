import { Inject } from '@nestjs/common';
import { CommandRunner, Option, SubCommand } from 'nest-commander';
import { SETTINGS, Settings } from '@argilla/config';
import { DEFAULT_USERNAME, DefaultUserService } from '@argilla/users';
import { CliOutput } from '../cli-output';
import { pyRepr } from '../python-repr';

interface CreateDefaultOptions {
  password?: string;
  apiKey?: string;
  quiet?: boolean;
}

@SubCommand({
  name: 'create_default',
  description: `Create the default admin '${DEFAULT_USERNAME}' (workspace '${DEFAULT_USERNAME}') unless it exists`,
})
export class CreateDefaultCommand extends CommandRunner {
  constructor(
    @Inject(SETTINGS) private readonly settings: Settings,
    private readonly defaultUser: DefaultUserService,
    private readonly output: CliOutput,
  ) {
    super();
  }

  async run(_args: string[], options: CreateDefaultOptions): Promise<void> {
    const password = options.password ?? this.settings.defaultUser.password;
    const apiKey = options.apiKey ?? this.settings.defaultUser.apiKey;
    const created = await this.defaultUser.create(password, apiKey);
    if (options.quiet) return;
    if (!created) {
      this.output.line('User with default username already found on database, will not do anything.');
      return;
    }
    this.output.line('User with default credentials successfully created:');
    this.output.line(`• username: ${pyRepr(DEFAULT_USERNAME)}`);
    this.output.line(`• password: ${pyRepr(password)}`);
    this.output.line(`• api_key:  ${pyRepr(apiKey)}`);
  }

  @Option({ flags: '--password <password>', description: "Password (default: DEFAULT_USER_PASSWORD, or '1234')" })
  parsePassword(value: string): string {
    return value;
  }

  @Option({ flags: '--api-key <key>', description: "API key (default: DEFAULT_USER_API_KEY, or 'argilla.apikey')" })
  parseApiKey(value: string): string {
    return value;
  }

  @Option({ flags: '--quiet', description: 'Print nothing' })
  parseQuiet(): boolean {
    return true;
  }
}
