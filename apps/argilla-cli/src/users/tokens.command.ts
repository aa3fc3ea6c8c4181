import { Injectable } from '@nestjs/common';
import { InvalidArgumentError } from 'commander';
import { Option, SubCommand } from 'nest-commander';
import { EntityAlreadyExistsError, EntityNotFoundError, formatTimestamp, ValidationError } from '@argilla/common';
import { TOKEN_SCOPES, TokenScope } from '@argilla/database';
import { CreateAccessTokenDto, PersonalAccessTokensService, toAccessTokenResponse, UsersService } from '@argilla/users';
import { InvalidParametersError, MissingOptionError, validated } from '../cli-errors';
import { CliOutput } from '../cli-output';
import { Lookup } from '../lookup';
import { pyRepr } from '../python-repr';
import { UserCommand } from './user-command';

/** A command on a user's personal access tokens. */
@Injectable()
abstract class TokensCommand extends UserCommand {
  constructor(
    users: UsersService,
    lookup: Lookup,
    output: CliOutput,
    protected readonly tokens: PersonalAccessTokensService,
  ) {
    super(users, lookup, output);
  }
}

@SubCommand({
  name: 'tokens',
  arguments: '<username>',
  description: "List a user's personal access tokens, oldest first (never their secrets)",
})
export class ListTokensCommand extends TokensCommand {
  async run([username]: string[], options: { json?: boolean }): Promise<void> {
    const user = await this.lookup.user(username);
    const tokens = (await this.tokens.list(user.id)).map(toAccessTokenResponse);
    if (options.json) {
      this.output.json(tokens);
      return;
    }
    if (tokens.length === 0) {
      this.output.line(`User ${pyRepr(username)} has no personal access tokens.`);
      return;
    }
    this.output.table(
      ['NAME', 'ID', 'SCOPE', 'PREFIX', 'CREATED', 'EXPIRES', 'LAST USED'],
      tokens.map((t) => [t.name, t.id, t.scope, t.prefix, t.created_at, t.expires_at ?? 'never', t.last_used_at ?? '']),
    );
  }

  @Option({ flags: '--json', description: 'Print JSON instead of a table' })
  parseJson(): boolean {
    return true;
  }
}

interface CreateTokenOptions {
  name?: string;
  scope?: TokenScope;
  expiresInDays?: number | string;
}

@SubCommand({
  name: 'create-token',
  arguments: '<username>',
  description:
    'Create a personal access token for a user and print its secret, once (send it as X-Argilla-Api-Key). ' +
    "Without --expires-in-days it expires after the server's maximum (ARGILLA_ACCESS_TOKEN_MAX_DAYS), or never",
})
export class CreateTokenCommand extends TokensCommand {
  async run([username]: string[], options: CreateTokenOptions): Promise<void> {
    if (options.name === undefined) throw new MissingOptionError('--name');
    const input = validated(CreateAccessTokenDto, {
      name: options.name,
      scope: options.scope,
      expires_in_days: options.expiresInDays,
    });
    const user = await this.lookup.user(username);
    let created;
    try {
      created = await this.tokens.create(user.id, {
        name: input.name,
        scope: input.scope,
        expiresInDays: input.expires_in_days,
      });
    } catch (error) {
      if (error instanceof ValidationError) throw new InvalidParametersError(error.message);
      if (error instanceof EntityAlreadyExistsError) {
        throw new Error(`User ${pyRepr(username)} already has a personal access token named ${pyRepr(input.name)}`);
      }
      throw error;
    }
    const { token, secret } = created;
    this.output.line(`Personal access token ${pyRepr(token.name)} created for user ${pyRepr(username)}:`);
    this.output.line(`• id: ${pyRepr(token.id)}`);
    this.output.line(`• scope: ${pyRepr(token.scope)}`);
    this.output.line(`• expires_at: ${token.expiresAt === null ? 'never' : pyRepr(formatTimestamp(token.expiresAt))}`);
    this.output.line(`• secret: ${pyRepr(secret)}`);
    this.output.line('Keep the secret now: it is not shown again.');
  }

  @Option({ flags: '--name <name>', description: "The token's name, unique among the user's tokens (required)" })
  parseName(value: string): string {
    return value;
  }

  @Option({ flags: '--scope <scope>', description: 'read (GET and HEAD only, the default) or full' })
  parseScope(value: string): string {
    if (!(TOKEN_SCOPES as readonly string[]).includes(value)) {
      throw new InvalidArgumentError(`Allowed choices are ${TOKEN_SCOPES.join(', ')}.`);
    }
    return value;
  }

  @Option({ flags: '--expires-in-days <days>', description: 'Days until it expires' })
  parseExpiresInDays(value: string): number | string {
    return /^\d+$/.test(value) ? Number(value) : value;
  }
}

@SubCommand({
  name: 'revoke-token',
  arguments: '<username> <token>',
  description: "Revoke a user's personal access token, named by its name or its id: refused from then on",
})
export class RevokeTokenCommand extends TokensCommand {
  async run([username, nameOrId]: string[]): Promise<void> {
    const user = await this.lookup.user(username);
    let token;
    try {
      token = await this.tokens.revokeByNameOrId(user.id, nameOrId);
    } catch (error) {
      if (error instanceof EntityNotFoundError) {
        throw new Error(`User ${pyRepr(username)} has no personal access token named ${pyRepr(nameOrId)}`);
      }
      throw error;
    }
    this.output.line(`Personal access token ${pyRepr(token.name)} (${token.id}) of user ${pyRepr(username)} revoked.`);
  }
}
