import { Injectable, Logger } from '@nestjs/common';
import { EntityAlreadyExistsError } from '@argilla/common';
import { Settings } from '@argilla/config';
import { Database, isUniqueViolation, User } from '@argilla/database';
import { PasswordHasher } from './password-hasher';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

/** Argilla's documented default credentials. */
export const DEFAULT_USERNAME = 'argilla';
export const DEFAULT_PASSWORD = '1234';
export const DEFAULT_API_KEY = 'argilla.apikey';
export const DEFAULT_WORKSPACE = 'argilla';

@Injectable()
export class DefaultUserService {
  private readonly logger = new Logger('DefaultUser');

  constructor(
    private readonly database: Database,
    private readonly users: UsersService,
    private readonly repository: UsersRepository,
    private readonly passwords: PasswordHasher,
  ) {}

  /** Creates user `argilla` (admin, workspace `argilla`, no names) unless it exists. False when it already existed. */
  async create(password: string, apiKey: string): Promise<boolean> {
    if (await this.repository.findByUsername(DEFAULT_USERNAME)) return false;
    try {
      // The names Argilla 1.8 gives it: an empty first name and no last name.
      await this.users.create(
        {
          firstName: '',
          lastName: null,
          username: DEFAULT_USERNAME,
          role: 'admin',
          password,
          apiKey,
          workspaces: [DEFAULT_WORKSPACE],
        },
        { auditAction: 'user.default_created' },
      );
      return true;
    } catch (error) {
      // Another process created it (or took the key) meanwhile.
      if (error instanceof EntityAlreadyExistsError || isUniqueViolation(error)) return false;
      throw error;
    }
  }

  /**
   * At server start: creates the default user when the database has no user at all (deleting it once a real
   * admin exists does not bring it back), then warns while `argilla` still accepts the default password or key.
   * Replicas starting together on an empty database race on the unique username: one creates it, the others see it.
   */
  async bootstrap(settings: Settings['defaultUser']): Promise<void> {
    if (settings.enabled) {
      const dataSource = await this.database.dataSource();
      const empty = (await dataSource.getRepository(User).count()) === 0;
      if (empty && (await this.create(settings.password, settings.apiKey))) {
        this.logger.log(`Created the default user '${DEFAULT_USERNAME}' (admin, workspace '${DEFAULT_WORKSPACE}')`);
      }
    }
    const weak = await this.defaultCredentialsInUse();
    if (weak.length > 0) {
      this.logger.warn(
        `User '${DEFAULT_USERNAME}' still accepts the default ${weak.join(' and ')}: change them, ` +
          `or create another admin and delete '${DEFAULT_USERNAME}'.`,
      );
    }
  }

  /** Which of the default password and API key user `argilla` still accepts. */
  async defaultCredentialsInUse(): Promise<string[]> {
    const user = await this.repository.findByUsername(DEFAULT_USERNAME);
    if (!user) return [];
    const weak: string[] = [];
    // Named, never quoted: logs carry no credentials, not even the documented ones.
    if (await this.passwords.verify(user.passwordHash, DEFAULT_PASSWORD)) weak.push('password');
    if (user.apiKey === DEFAULT_API_KEY) weak.push('API key');
    return weak;
  }
}
