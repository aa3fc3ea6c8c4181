import type { EntityManager } from 'typeorm';
import { EntityAlreadyExistsError, EntityNotFoundError, LastAdminError, SelfDisableError } from '@argilla/common';
import { ADMIN_ROLES, AuditLog, Database, User, UserRole } from '@argilla/database';
import { PasswordHasher } from './password-hasher';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

/** The rules of UsersService on users kept in memory: persistence itself is tested end to end on real databases. */
class FakeUsersRepository {
  readonly rows = new Map<string, User>();

  add(id: string, role: UserRole, disabled = false): User {
    const at = new Date('2024-01-01T00:00:00Z');
    const user = Object.assign(new User(), {
      id,
      firstName: id,
      lastName: null,
      username: id,
      role,
      apiKey: `${id}-key`,
      passwordHash: 'hash',
      insertedAt: at,
      updatedAt: at,
      disabled,
      tokensValidAfter: null,
    });
    this.rows.set(id, user);
    return user;
  }

  list = async () => [...this.rows.values()].map((user) => ({ user, workspaces: [] }));
  findById = async (id: string) => (this.rows.has(id) ? { ...this.rows.get(id)! } : null);
  withWorkspaces = async (user: User) => ({ user, workspaces: [] });
  existsByUsername = async (username: string) => [...this.rows.values()].some((user) => user.username === username);
  existsByApiKey = async (apiKey: string) => [...this.rows.values()].some((user) => user.apiKey === apiKey);
  lockEnabledAdminIds = async () =>
    [...this.rows.values()].filter((user) => ADMIN_ROLES.includes(user.role) && !user.disabled).map((user) => user.id);
  insert = async (user: User) => void this.rows.set(user.id, user);
  addMemberships = async () => undefined;
  update = async (id: string, values: Partial<User>) => {
    const user = this.rows.get(id);
    if (user) Object.assign(user, values);
    return user !== undefined;
  };
  delete = async (id: string) => void this.rows.delete(id);
}

/**
 * Runs every transaction at once, with a manager the fake repository never looks at (its `delete` is the one of
 * the user's personal access tokens, which these users have none of).
 */
const fakeDatabase = {
  engine: 'sqlite',
  transaction: <T>(work: (manager: EntityManager) => Promise<T>) =>
    work({ delete: async () => ({ raw: [], affected: 0 }) } as unknown as EntityManager),
  lockDataVersion: async () => undefined,
  versioned: <T>(build: () => Promise<T>) => build,
  versionedByKey: <K, T>(build: (key: K) => Promise<T>) => build,
} as unknown as Database;

const fakePasswords = { hash: async (password: string) => `hashed:${password}` } as unknown as PasswordHasher;

/** The events recorded, in order (the rules decide which; test/audit.e2e-spec.ts checks the rows). */
class FakeAuditLog {
  readonly events: { action: string; details?: unknown }[] = [];
  async record(_manager: unknown, event: { action: string; details?: unknown }): Promise<void> {
    this.events.push({ action: event.action, details: event.details });
  }
}

describe('UsersService rules', () => {
  let repository: FakeUsersRepository;
  let service: UsersService;
  let audit: FakeAuditLog;

  beforeEach(() => {
    repository = new FakeUsersRepository();
    audit = new FakeAuditLog();
    service = new UsersService(
      fakeDatabase,
      repository as unknown as UsersRepository,
      fakePasswords,
      audit as unknown as AuditLog,
    );
  });

  describe('update', () => {
    it('records one event per kind of change that changes something, and none for a change to the same value', async () => {
      repository.add('boss', 'admin');
      repository.add('ann', 'annotator');
      await service.update('ann', { firstName: 'Ann', role: 'admin', disabled: false });
      await service.update('ann', { role: 'admin' });
      await service.update('ann', { disabled: true, actorId: 'boss' });
      await service.update('ann', { disabled: false, lastName: 'Lee' });
      expect(audit.events).toEqual([
        { action: 'user.updated', details: { first_name: 'Ann' } },
        { action: 'user.role_changed', details: { from: 'annotator', to: 'admin' } },
        { action: 'user.disabled', details: undefined },
        { action: 'user.updated', details: { last_name: 'Lee' } },
        { action: 'user.enabled', details: undefined },
      ]);
    });

    it('refuses to demote or disable the last enabled admin, changing nothing', async () => {
      repository.add('boss', 'admin');
      repository.add('ann', 'annotator');
      await expect(service.update('boss', { role: 'annotator' })).rejects.toThrow(LastAdminError);
      await expect(service.update('boss', { disabled: true, actorId: 'ann' })).rejects.toThrow(LastAdminError);
      expect(repository.rows.get('boss')).toMatchObject({ role: 'admin', disabled: false, tokensValidAfter: null });
    });

    it('counts owners as admins: either may be demoted while the other stays, not the last one', async () => {
      repository.add('boss', 'admin');
      repository.add('owner', 'owner');
      expect((await service.update('boss', { role: 'annotator' })).role).toBe('annotator');
      await expect(service.update('owner', { role: 'annotator' })).rejects.toThrow(LastAdminError);
      await expect(service.update('owner', { disabled: true })).rejects.toThrow(LastAdminError);
    });

    it('does not count a disabled admin, and lets a disabled admin be demoted', async () => {
      repository.add('boss', 'admin');
      repository.add('sleeper', 'admin', true);
      await expect(service.update('boss', { role: 'annotator' })).rejects.toThrow(LastAdminError);
      expect((await service.update('sleeper', { role: 'annotator' })).role).toBe('annotator');
    });

    it('sees no demotion between admin and owner, even for the last one', async () => {
      repository.add('boss', 'admin');
      expect((await service.update('boss', { role: 'owner' })).role).toBe('owner');
      expect((await service.update('boss', { role: 'admin' })).role).toBe('admin');
    });

    it('refuses an admin disabling itself, even when other admins remain', async () => {
      repository.add('boss', 'admin');
      repository.add('other', 'admin');
      await expect(service.update('boss', { disabled: true, actorId: 'boss' })).rejects.toThrow(SelfDisableError);
      expect(repository.rows.get('boss')!.disabled).toBe(false);
    });

    it('disables another admin while one stays, ending its tokens; enabling again keeps that time', async () => {
      repository.add('boss', 'admin');
      repository.add('other', 'admin');
      const disabled = await service.update('other', { disabled: true, actorId: 'boss' });
      expect(disabled.disabled).toBe(true);
      expect(disabled.tokensValidAfter).toEqual(disabled.updatedAt);
      const enabled = await service.update('other', { disabled: false, actorId: 'boss' });
      expect(enabled.disabled).toBe(false);
      expect(enabled.tokensValidAfter).toEqual(disabled.tokensValidAfter);
    });

    it('changes names without any admin check, and answers 404 for an unknown id', async () => {
      repository.add('boss', 'admin');
      expect(await service.update('boss', { firstName: 'Ada', lastName: 'Lovelace' })).toMatchObject({
        firstName: 'Ada',
        lastName: 'Lovelace',
        role: 'admin',
      });
      await expect(service.update('nobody', { firstName: 'x' })).rejects.toThrow(EntityNotFoundError);
    });
  });

  describe('delete', () => {
    it("with lastAdmin 'refuse', keeps the last enabled admin or owner and deletes anyone else", async () => {
      repository.add('owner', 'owner');
      repository.add('ann', 'annotator');
      await expect(service.delete('owner', { lastAdmin: 'refuse' })).rejects.toThrow(LastAdminError);
      expect(repository.rows.has('owner')).toBe(true);
      expect((await service.delete('ann', { lastAdmin: 'refuse' })).user.id).toBe('ann');
      expect([...repository.rows.keys()]).toEqual(['owner']);
    });

    it("with lastAdmin 'refuse', deletes an admin while another enabled one stays", async () => {
      repository.add('boss', 'admin');
      repository.add('owner', 'owner');
      await service.delete('boss', { lastAdmin: 'refuse' });
      expect([...repository.rows.keys()]).toEqual(['owner']);
    });

    it("with lastAdmin 'allow' (Argilla 1.8's rule), deletes the last admin too, returning it as it was", async () => {
      repository.add('boss', 'admin');
      const deleted = await service.delete('boss', { lastAdmin: 'allow' });
      expect(deleted).toEqual({ user: expect.objectContaining({ id: 'boss', role: 'admin' }), workspaces: [] });
      expect(repository.rows.size).toBe(0);
    });

    it('answers 404 for an unknown id', async () => {
      await expect(service.delete('nobody', { lastAdmin: 'allow' })).rejects.toThrow(EntityNotFoundError);
    });
  });

  describe('create', () => {
    it('refuses a taken username or API key (409 naming the field) and stores nothing', async () => {
      repository.add('boss', 'admin');
      const taken = (input: { username: string; apiKey: string }) =>
        service.create({ firstName: 'x', password: 'long-enough', ...input }).catch((error: unknown) => error);
      const byName = await taken({ username: 'boss', apiKey: 'fresh-key' });
      expect(byName).toBeInstanceOf(EntityAlreadyExistsError);
      expect((byName as EntityAlreadyExistsError).field).toBe('username');
      const byKey = await taken({ username: 'fresh', apiKey: 'boss-key' });
      expect(byKey).toBeInstanceOf(EntityAlreadyExistsError);
      expect((byKey as EntityAlreadyExistsError).field).toBe('api_key');
      expect([...repository.rows.keys()]).toEqual(['boss']);
    });

    it('creates an annotator by default with the hashed password', async () => {
      const { user, workspaces } = await service.create({ firstName: 'Ann', username: 'ann', password: 'long-enough' });
      expect(user).toMatchObject({
        username: 'ann',
        role: 'annotator',
        lastName: null,
        passwordHash: 'hashed:long-enough',
      });
      expect(workspaces).toEqual([]);
      expect(repository.rows.get(user.id)).toBe(user);
    });
  });
});
