import { randomBytes } from 'node:crypto';
import { CommandRunner, Option, SubCommand } from 'nest-commander';
import { ResetPasswordDto, UsersService } from '@argilla/users';
import { UsageError, validated } from '../cli-errors';
import { CliOutput } from '../cli-output';
import { Lookup } from '../lookup';
import { Prompt } from '../prompt';
import { pyRepr } from '../python-repr';

interface ResetPasswordOptions {
  password?: string;
  generate?: boolean;
  rotateApiKey?: boolean;
}

/** 18 random bytes: 24 URL-safe characters. */
const generatePassword = (): string => randomBytes(18).toString('base64url');

@SubCommand({
  name: 'reset-password',
  arguments: '<username>',
  description:
    "Set a user's password: asked twice (hidden; read line by line when piped), given with --password, or " +
    'generated with --generate and printed once. Tokens issued before are refused from then on; with ' +
    '--rotate-api-key, the API key is replaced too and the new one printed once',
})
export class ResetPasswordCommand extends CommandRunner {
  constructor(
    private readonly users: UsersService,
    private readonly lookup: Lookup,
    private readonly prompt: Prompt,
    private readonly output: CliOutput,
  ) {
    super();
  }

  async run([username]: string[], options: ResetPasswordOptions): Promise<void> {
    if (options.password !== undefined && options.generate) {
      throw new UsageError('give either --password or --generate, not both');
    }
    try {
      const user = await this.lookup.user(username);
      const password = options.generate
        ? generatePassword()
        : (options.password ?? (await this.prompt.askNewPassword()));
      const input = validated(ResetPasswordDto, { new_password: password });
      const rotateApiKey = options.rotateApiKey === true;
      const updated = await this.users.changePassword(user.id, input.new_password, { rotateApiKey });
      this.output.line(
        rotateApiKey
          ? `Password and API key of user ${pyRepr(username)} successfully reset; tokens issued before and the old key are refused.`
          : `Password of user ${pyRepr(username)} successfully reset; tokens issued before are refused.`,
      );
      if (options.generate) this.output.line(`• password: ${pyRepr(password)}`);
      if (rotateApiKey) this.output.line(`• api_key: ${pyRepr(updated.apiKey)}`);
    } finally {
      this.prompt.close();
    }
  }

  @Option({ flags: '--password <password>', description: '8 to 100 characters (asked twice, hidden, when missing)' })
  parsePassword(value: string): string {
    return value;
  }

  @Option({ flags: '--generate', description: 'Generate a random password (24 characters) and print it once' })
  parseGenerate(): boolean {
    return true;
  }

  @Option({
    flags: '--rotate-api-key',
    description: 'Also replace the API key with a new random one, printed once; the old key is refused from then on',
  })
  parseRotateApiKey(): boolean {
    return true;
  }
}
