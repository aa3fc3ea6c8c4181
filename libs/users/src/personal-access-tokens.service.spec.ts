import { EntityManager } from 'typeorm';
import { ValidationError } from '@argilla/common';
import { loadSettings } from '@argilla/config';
import { AuditLog, Database, PersonalAccessToken } from '@argilla/database';
import { PersonalAccessTokensRepository } from './personal-access-tokens.repository';
import { PersonalAccessTokensService } from './personal-access-tokens.service';

const DAY_MS = 86_400_000;

/** The service over a repository that keeps the inserted tokens in a list. */
function serviceWith(maxDays: string): { service: PersonalAccessTokensService; inserted: PersonalAccessToken[] } {
  const inserted: PersonalAccessToken[] = [];
  const repository = {
    existsByName: async (_userId: string, name: string) => inserted.some((token) => token.name === name),
    insert: async (token: PersonalAccessToken) => void inserted.push(token),
  } as unknown as PersonalAccessTokensRepository;
  const database = {
    transaction: <T>(work: (manager: EntityManager) => Promise<T>) => work({} as EntityManager),
  } as unknown as Database;
  const settings = loadSettings({ ARGILLA_ACCESS_TOKEN_MAX_DAYS: maxDays, ARGILLA_HOME_PATH: '/nonexistent' });
  const audit = { record: async () => undefined } as unknown as AuditLog;
  return { service: new PersonalAccessTokensService(settings, database, repository, audit), inserted };
}

describe('PersonalAccessTokensService expiry', () => {
  it('with ARGILLA_ACCESS_TOKEN_MAX_DAYS=0, a token without an expiry never expires, and any expiry is allowed', async () => {
    const { service, inserted } = serviceWith('0');
    await service.create('user-id', { name: 'forever' });
    await service.create('user-id', { name: 'long', expiresInDays: 36_500 });
    expect(inserted[0].expiresAt).toBeNull();
    expect(inserted[1].expiresAt!.getTime() - inserted[1].createdAt.getTime()).toBe(36_500 * DAY_MS);
  });

  it('with a maximum, caps what is asked for and applies it when nothing is', async () => {
    const { service, inserted } = serviceWith('30');
    await service.create('user-id', { name: 'default' });
    expect(inserted[0].expiresAt!.getTime() - inserted[0].createdAt.getTime()).toBe(30 * DAY_MS);
    await expect(service.create('user-id', { name: 'too-long', expiresInDays: 31 })).rejects.toThrow(ValidationError);
    expect(inserted.map((token) => token.name)).toEqual(['default']);
  });
});
