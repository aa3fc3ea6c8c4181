import { Injectable } from '@nestjs/common';
import { Option, SubCommand } from 'nest-commander';
import { UserSession } from '@argilla/database';
import { toUserSessionResponse, UserSessionResponse, UserSessionsService, UsersService } from '@argilla/users';
import { CliOutput } from '../cli-output';
import { Lookup } from '../lookup';
import { pyRepr } from '../python-repr';
import { UserCommand } from './user-command';

/** The longest `User-Agent` the table shows; longer ones are cut, ending with `…`. */
export const USER_AGENT_COLUMN = 40;

/**
 * A session as the CLI prints it in JSON: the API's object without `current`, which names the session a request is
 * made with (the CLI makes none).
 */
export function sessionJson(session: UserSession): Omit<UserSessionResponse, 'current'> {
  const { id, created_at, last_seen_at, expires_at, client, user_agent, provider } = toUserSessionResponse(session);
  return { id, created_at, last_seen_at, expires_at, client, user_agent, provider };
}

/** A `User-Agent` on one line of the table: whitespace runs as one space, cut to USER_AGENT_COLUMN characters. */
export function shortUserAgent(userAgent: string | null): string {
  if (userAgent === null) return '';
  const flat = [...userAgent.replace(/[\s\p{Cc}]+/gu, ' ').trim()];
  return flat.length <= USER_AGENT_COLUMN ? flat.join('') : flat.slice(0, USER_AGENT_COLUMN - 1).join('') + '…';
}

/** A command on a user's sessions (one per login or single sign-on). */
@Injectable()
abstract class SessionsCommand extends UserCommand {
  constructor(
    users: UsersService,
    lookup: Lookup,
    output: CliOutput,
    protected readonly sessions: UserSessionsService,
  ) {
    super(users, lookup, output);
  }
}

@SubCommand({
  name: 'sessions',
  arguments: '<username>',
  description: "List a user's sessions (one per login or single sign-on), newest first",
})
export class ListSessionsCommand extends SessionsCommand {
  async run([username]: string[], options: { json?: boolean }): Promise<void> {
    const user = await this.lookup.user(username);
    const sessions = (await this.sessions.list(user.id)).map(sessionJson);
    if (options.json) {
      this.output.json(sessions);
      return;
    }
    if (sessions.length === 0) {
      this.output.line(`User ${pyRepr(username)} has no sessions.`);
      return;
    }
    this.output.table(
      ['ID', 'CREATED', 'LAST SEEN', 'EXPIRES', 'CLIENT', 'USER AGENT', 'SIGN-IN'],
      sessions.map((s) => [
        s.id,
        s.created_at,
        s.last_seen_at,
        s.expires_at,
        s.client ?? '',
        shortUserAgent(s.user_agent),
        s.provider === null ? 'password' : `sso:${s.provider}`,
      ]),
    );
  }

  @Option({ flags: '--json', description: 'Print JSON instead of a table' })
  parseJson(): boolean {
    return true;
  }
}

@SubCommand({
  name: 'end-sessions',
  arguments: '<username>',
  description:
    'End every session of a user: the bearer JWTs of its logins and single sign-ons are refused from then on. ' +
    'Its API key and personal access tokens stay (see rotate-api-key and revoke-token)',
})
export class EndSessionsCommand extends SessionsCommand {
  async run([username]: string[]): Promise<void> {
    const user = await this.lookup.user(username);
    const ended = await this.sessions.endAll(user.id);
    if (ended.length === 0) {
      this.output.line(`User ${pyRepr(username)} has no sessions: nothing to end.`);
    } else if (ended.length === 1) {
      this.output.line(`Ended 1 session of ${pyRepr(username)}: its bearer token is refused from now on.`);
    } else {
      this.output.line(
        `Ended ${ended.length} sessions of ${pyRepr(username)}: their bearer tokens are refused from now on.`,
      );
    }
  }
}
