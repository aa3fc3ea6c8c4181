import { Injectable } from '@nestjs/common';
import { Database, OAuthIdentity } from '@argilla/database';

/** The identities at OpenID providers linked to a user (single sign-on), for the admin tools. */
@Injectable()
export class LinkedIdentitiesService {
  constructor(private readonly database: Database) {}

  /** Oldest link first. */
  async ofUser(userId: string): Promise<OAuthIdentity[]> {
    const dataSource = await this.database.dataSource();
    return dataSource.manager.find(OAuthIdentity, { where: { userId }, order: { createdAt: 'ASC', provider: 'ASC' } });
  }

  /** Every identity, by user id, each user's oldest link first (the listings and the export). */
  async byUser(): Promise<Map<string, OAuthIdentity[]>> {
    const dataSource = await this.database.dataSource();
    const identities = await dataSource.manager.find(OAuthIdentity, {
      order: { createdAt: 'ASC', provider: 'ASC', subject: 'ASC' },
    });
    const byUser = new Map<string, OAuthIdentity[]>();
    for (const identity of identities) {
      const list = byUser.get(identity.userId);
      if (list) list.push(identity);
      else byUser.set(identity.userId, [identity]);
    }
    return byUser;
  }

  /**
   * Removes the user's identities at `provider` (only the one with `subject`, when given) and returns them. The
   * next sign-in of such an identity is a first one again: refused while the username is taken, unless a linking
   * rule allows it. Memberships stay.
   */
  async unlink(userId: string, provider: string, subject?: string): Promise<OAuthIdentity[]> {
    return this.database.transaction(async (manager) => {
      const where = subject === undefined ? { userId, provider } : { userId, provider, subject };
      const found = await manager.find(OAuthIdentity, { where, order: { createdAt: 'ASC' } });
      if (found.length > 0) await manager.delete(OAuthIdentity, where);
      return found;
    });
  }
}
