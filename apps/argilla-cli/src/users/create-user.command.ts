import { CommandRunner, Option, SubCommand } from 'nest-commander';
import { EntityAlreadyExistsError } from '@argilla/common';
import { USER_ROLES, UserRole } from '@argilla/database';
import { CreateUserWithOptionsDto, UsersRepository, UsersService } from '@argilla/users';
import { CliOutput } from '../cli-output';
import { Prompt } from '../prompt';
import { pyRepr } from '../python-repr';
import { MissingOptionError, parseRole, validated } from '../cli-errors';

interface CreateUserOptions {
  firstName?: string;
  lastName?: string;
  username?: string;
  role?: UserRole;
  password?: string;
  apiKey?: string;
  workspaces?: string[];
}

@SubCommand({
  name: 'create',
  description:
    'Create a user. --first-name is required; asks for the username, the role and the password (twice, hidden) ' +
    'when they are not given; when input is piped, reads the answers line by line.',
})
export class CreateUserCommand extends CommandRunner {
  constructor(
    private readonly users: UsersService,
    private readonly repository: UsersRepository,
    private readonly prompt: Prompt,
    private readonly output: CliOutput,
  ) {
    super();
  }

  async run(_args: string[], options: CreateUserOptions): Promise<void> {
    // Checked before any question, as Argilla 1.8 does: it never asks for the first name.
    if (options.firstName === undefined) throw new MissingOptionError('--first-name');
    try {
      const username = options.username ?? (await this.prompt.ask('Username: '));
      // Nothing more to ask when the user exists already.
      if (await this.repository.findByUsername(username)) return this.skip('username', username);
      if (options.apiKey && (await this.repository.findByApiKey(options.apiKey))) {
        return this.skip('api_key', options.apiKey);
      }
      const role = options.role ?? (await this.askRole());
      const password = options.password ?? (await this.prompt.askNewPassword());

      const input = validated(CreateUserWithOptionsDto, {
        first_name: options.firstName,
        last_name: options.lastName,
        username,
        role,
        password,
        api_key: options.apiKey,
        workspaces: options.workspaces,
      });

      const { user, workspaces } = await this.users.create({
        firstName: input.first_name,
        lastName: input.last_name,
        username: input.username,
        role: input.role,
        password: input.password,
        apiKey: input.api_key ?? undefined,
        workspaces: input.workspaces ?? [],
      });
      this.output.line('User successfully created:');
      this.output.line(`• first_name: ${pyRepr(user.firstName)}`);
      if (user.lastName) this.output.line(`• last_name: ${pyRepr(user.lastName)}`);
      this.output.line(`• username: ${pyRepr(user.username)}`);
      this.output.line(`• role: ${pyRepr(user.role)}`);
      this.output.line(`• api_key: ${pyRepr(user.apiKey)}`);
      this.output.line(`• workspaces: ${pyRepr(workspaces)}`);
    } catch (error) {
      // Lost a race with another process creating the same user: the same answer as finding it first.
      if (error instanceof EntityAlreadyExistsError && error.entityType === 'User') {
        return this.skip(error.field, error.field === 'api_key' ? (options.apiKey ?? '') : error.entityName);
      }
      throw error;
    } finally {
      this.prompt.close();
    }
  }

  private skip(field: string, value: string): void {
    this.output.line(`User with ${field} ${pyRepr(value)} already exists in database. Skipping...`);
  }

  private async askRole(): Promise<UserRole> {
    for (;;) {
      const answer = (await this.prompt.ask(`Role (${USER_ROLES.join(', ')}) [annotator]: `)).trim();
      if (answer === '') return 'annotator';
      if ((USER_ROLES as readonly string[]).includes(answer)) return answer as UserRole;
      process.stderr.write(`Error: ${pyRepr(answer)} is not one of ${USER_ROLES.map((r) => pyRepr(r)).join(', ')}.\n`);
    }
  }

  @Option({ flags: '--first-name <name>', description: 'First name (required)' })
  parseFirstName(value: string): string {
    return value;
  }

  @Option({ flags: '--last-name <name>', description: 'Last name (optional)' })
  parseLastName(value: string): string {
    return value;
  }

  @Option({
    flags: '--username <username>',
    description: 'Lowercase letters, digits, - and _, not starting with - or _ (asked when missing)',
  })
  parseUsername(value: string): string {
    return value;
  }

  @Option({
    flags: '--role <role>',
    description: 'admin, annotator or owner (asked when missing; default annotator)',
    choices: [...USER_ROLES],
  })
  parseRole(value: string): string {
    return parseRole(value);
  }

  @Option({ flags: '--password <password>', description: '8 to 100 characters (asked twice, hidden, when missing)' })
  parsePassword(value: string): string {
    return value;
  }

  @Option({ flags: '--api-key <key>', description: 'At least 8 characters (default: 107 random characters)' })
  parseApiKey(value: string): string {
    return value;
  }

  @Option({
    flags: '--workspace <name>',
    description: 'A workspace to join; repeat for several. Missing workspaces are created',
    name: 'workspaces',
  })
  parseWorkspace(value: string, previous: string[] = []): string[] {
    return [...previous, value];
  }
}
