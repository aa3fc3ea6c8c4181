import { Injectable } from '@nestjs/common';
import { Option, SubCommand } from 'nest-commander';
import { formatTimestamp } from '@argilla/common';
import { OAuthIdentity } from '@argilla/database';
import { LinkedIdentitiesService, UsersService } from '@argilla/users';
import { CliOutput } from '../cli-output';
import { Lookup } from '../lookup';
import { pyRepr } from '../python-repr';
import { UserCommand } from './user-command';

/** An identity as the CLI prints it in JSON (`users identities --json`, `users list --json`). */
export function identityJson(identity: OAuthIdentity) {
  return {
    provider: identity.provider,
    subject: identity.subject,
    email: identity.email,
    linked_at: formatTimestamp(identity.createdAt),
    last_sign_in_at: formatTimestamp(identity.lastSignInAt),
  };
}

/** A command on a user's single sign-on identities. */
@Injectable()
abstract class IdentitiesCommand extends UserCommand {
  constructor(
    users: UsersService,
    lookup: Lookup,
    output: CliOutput,
    protected readonly identities: LinkedIdentitiesService,
  ) {
    super(users, lookup, output);
  }
}

@SubCommand({
  name: 'identities',
  arguments: '<username>',
  description: "List a user's identities at OpenID providers (single sign-on), oldest link first",
})
export class ListIdentitiesCommand extends IdentitiesCommand {
  async run([username]: string[], options: { json?: boolean }): Promise<void> {
    const user = await this.lookup.user(username);
    const identities = (await this.identities.ofUser(user.id)).map(identityJson);
    if (options.json) {
      this.output.json(identities);
      return;
    }
    if (identities.length === 0) {
      this.output.line(`User ${pyRepr(username)} has no linked identities.`);
      return;
    }
    this.output.table(
      ['PROVIDER', 'SUBJECT', 'EMAIL', 'LINKED', 'LAST SIGN-IN'],
      identities.map((i) => [i.provider, i.subject, i.email ?? '', i.linked_at, i.last_sign_in_at]),
    );
  }

  @Option({ flags: '--json', description: 'Print JSON instead of a table' })
  parseJson(): boolean {
    return true;
  }
}

@SubCommand({
  name: 'unlink',
  arguments: '<username> <provider> [subject]',
  description:
    "Unlink a user's identity at a provider (all of them at that provider without a subject); its next sign-in " +
    'there is a first one again',
})
export class UnlinkIdentityCommand extends IdentitiesCommand {
  async run([username, provider, subject]: string[]): Promise<void> {
    const user = await this.lookup.user(username);
    const removed = await this.identities.unlink(user.id, provider, subject);
    if (removed.length === 0) {
      const which = subject === undefined ? '' : ` with subject ${pyRepr(subject)}`;
      throw new Error(`User ${pyRepr(username)} has no identity at ${pyRepr(provider)}${which}`);
    }
    for (const identity of removed) {
      this.output.line(
        `Unlinked ${pyRepr(identity.provider)} identity ${pyRepr(identity.subject)} from user ${pyRepr(username)}.`,
      );
    }
  }
}
