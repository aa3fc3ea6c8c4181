import { Transform } from 'class-transformer';
import { Matches, ValidateIf } from 'class-validator';
import {
  FieldError,
  IsBool,
  IsStr,
  isRecord,
  NAME_MAX_LENGTH,
  NAME_PATTERN,
  Required,
  validateInput,
  ValidationError,
} from '@argilla/common';
import { PROVIDER_NAME } from '@argilla/config';
import { USER_ROLES, UserRole } from '@argilla/database';
import { IsRole, IsUsername, IsWorkspaceNames } from './create-user.dto';

/** One user of an Argilla users file (`.users.yml`), checked. */
export interface ImportedUser {
  username: string;
  firstName: string;
  lastName: string | null;
  role: UserRole;
  apiKey: string;
  passwordHash: string;
  /** Workspace names to join, in order, without repeats. */
  workspaces: string[];
  disabled: boolean;
  /** Identities at OpenID providers to link (single sign-on); absent when none. */
  identities?: ImportedIdentity[];
  /** Of `workspaces`, those a provider's claims granted (sign-ins through it manage them); absent when none. */
  providerWorkspaces?: { provider: string; workspace: string }[];
}

export interface ImportedIdentity {
  provider: string;
  subject: string;
  email: string | null;
}

/** A checked users file: its users, and workspaces to create even if nobody joins them. */
export interface UsersFile {
  users: ImportedUser[];
  workspaces: string[];
}

/** A users file that cannot be imported; nothing was written. */
export class UsersFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsersFileError';
  }
}

const HASH_PREFIX = /^\$(2[aby]|argon2(id|i|d))\$/;
const HASH_MESSAGE = 'is not a bcrypt ($2a$, $2b$, $2y$) or argon2 hash';

/** In a users file an empty string is as good as a missing field. */
const EmptyAsMissing = (): PropertyDecorator =>
  Transform(({ value }: { value: unknown }) => (value === '' ? undefined : value));

const Optional = (): PropertyDecorator =>
  ValidateIf((entry: Record<string, unknown>, value: unknown) => value !== undefined && value !== null);

/** One entry of a users file; the username, role and workspaces follow the API's rules (create-user.dto.ts). */
export class UsersFileEntryDto {
  @IsUsername()
  @EmptyAsMissing()
  username!: string;

  @IsStr()
  @Required()
  @EmptyAsMissing()
  api_key!: string;

  @Matches(HASH_PREFIX, { message: HASH_MESSAGE, context: { type: 'value_error.password_hash' } })
  @IsStr()
  @Required()
  @EmptyAsMissing()
  hashed_password!: string;

  @IsStr()
  @Optional()
  full_name?: string | null;

  @IsStr()
  @Optional()
  first_name?: string | null;

  @IsStr()
  @Optional()
  last_name?: string | null;

  @IsBool()
  @Optional()
  disabled?: boolean | null;

  // Present means checked: a null role is refused too.
  @IsRole()
  @ValidateIf((entry: UsersFileEntryDto) => entry.role !== undefined)
  role?: UserRole;

  @IsWorkspaceNames()
  workspaces?: string[] | null;
}

/** The order in which an entry's fields are reported: the first problem found is the one told. */
const FIELD_ORDER = [
  'username',
  'api_key',
  'hashed_password',
  'full_name',
  'first_name',
  'last_name',
  'disabled',
  'role',
  'workspaces',
];

const isValidName = (name: unknown): name is string =>
  typeof name === 'string' && NAME_PATTERN.test(name) && name.length <= NAME_MAX_LENGTH;

const invalidNameProblem = (names: unknown[]): string =>
  `has an invalid workspace name '${String(names.find((name) => !isValidName(name)))}' ` +
  `(must match "${NAME_PATTERN.source}")`;

/** The users file's wording of a field's failure (the API's DTO rules say it in pydantic's words). */
function fileProblem(error: FieldError, value: unknown): string {
  const field = error.loc[1];
  if (field === 'workspaces' && error.type !== 'type_error.list') return invalidNameProblem(value as unknown[]);
  switch (error.type) {
    case 'value_error.missing':
      return 'is required';
    case 'type_error.str':
      return 'must be a string';
    case 'value_error.str.nul':
      return 'contains a NUL character';
    case 'value_error.str.regex':
      return `does not match regex "${NAME_PATTERN.source}"`;
    case 'value_error.any_str.max_length':
      return `is longer than ${NAME_MAX_LENGTH} characters`;
    case 'type_error.enum':
      return `must be one of ${USER_ROLES.map((name) => `'${name}'`).join(', ')}`;
    case 'type_error.bool':
      return 'must be true or false';
    case 'type_error.list':
      return 'must be a list';
    default:
      return error.msg;
  }
}

const isText = (value: unknown): value is string => typeof value === 'string' && !value.includes('\u0000');
const isOptionalText = (value: unknown): boolean => value === undefined || value === null || isText(value);
const isNameText = (value: unknown): value is string =>
  typeof value === 'string' && value.length <= NAME_MAX_LENGTH && NAME_PATTERN.test(value);

/**
 * The entry as UsersFileEntryDto when it plainly passes every one of its rules, else undefined: a shortcut past
 * class-validator for the entries of a well-formed file (most of the time of a large import went there). Any
 * doubt answers undefined, and class-validator then decides, in the API's words. A test holds the two to the
 * same answers.
 */
export function plainlyValidEntry(fields: Record<string, unknown>): UsersFileEntryDto | undefined {
  const { username, api_key, hashed_password, full_name, first_name, last_name, disabled, role, workspaces } = fields;
  const valid =
    isNameText(username) &&
    isText(api_key) &&
    api_key !== '' &&
    isText(hashed_password) &&
    HASH_PREFIX.test(hashed_password) &&
    isOptionalText(full_name) &&
    isOptionalText(first_name) &&
    isOptionalText(last_name) &&
    (disabled === undefined || disabled === null || typeof disabled === 'boolean') &&
    (role === undefined || (USER_ROLES as readonly unknown[]).includes(role)) &&
    (workspaces === undefined || workspaces === null || (Array.isArray(workspaces) && workspaces.every(isNameText)));
  if (!valid) return undefined;
  return Object.assign(new UsersFileEntryDto(), {
    username,
    api_key,
    hashed_password,
    ...(full_name !== undefined ? { full_name } : {}),
    ...(first_name !== undefined ? { first_name } : {}),
    ...(last_name !== undefined ? { last_name } : {}),
    ...(disabled !== undefined ? { disabled } : {}),
    ...(role !== undefined ? { role } : {}),
    ...(workspaces !== undefined ? { workspaces } : {}),
  }) as UsersFileEntryDto;
}

/** The entry's fields checked against UsersFileEntryDto; the first failure (in FIELD_ORDER) as a UsersFileError. */
export function checkedEntry(fields: Record<string, unknown>, where: string): UsersFileEntryDto {
  return plainlyValidEntry(fields) ?? fullyCheckedEntry(fields, where);
}

/** checkedEntry through class-validator alone (exported for the test that holds the shortcut to it). */
export function fullyCheckedEntry(fields: Record<string, unknown>, where: string): UsersFileEntryDto {
  try {
    return validateInput(UsersFileEntryDto, fields, 'entry');
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const rank = (failure: FieldError): number => {
      const index = FIELD_ORDER.indexOf(String(failure.loc[1]));
      return index === -1 ? FIELD_ORDER.length : index;
    };
    const [first] = [...error.errors].sort((a, b) => rank(a) - rank(b));
    if (first.loc.length < 2) throw new UsersFileError(`${where}: ${first.msg}`);
    const field = String(first.loc[1]);
    throw new UsersFileError(`${where}: field '${field}' ${fileProblem(first, fields[field])}`);
  }
}

/** The top level: the list of entries and the workspaces to create, or a UsersFileError. */
function topLevel(data: unknown): { entries: unknown[]; workspaces: string[] } {
  if (Array.isArray(data)) return { entries: data, workspaces: [] };
  const mapping = data as Record<string, unknown>;
  // A mapping without either key is most likely one user's entry, not in a list.
  if (typeof data !== 'object' || !('users' in mapping || 'workspaces' in mapping)) {
    throw new UsersFileError('expected a list of users at the top level');
  }
  const { users, workspaces: names, ...others } = mapping;
  const unknown = Object.keys(others);
  if (unknown.length > 0) {
    throw new UsersFileError(`unknown top-level key '${unknown[0]}' (expected 'users' and 'workspaces')`);
  }
  if (users !== undefined && users !== null && !Array.isArray(users)) {
    throw new UsersFileError("top-level 'users' must be a list");
  }
  if (names !== undefined && names !== null && !Array.isArray(names)) {
    throw new UsersFileError("top-level 'workspaces' must be a list");
  }
  const listed = (names as unknown[] | undefined | null) ?? [];
  if (!listed.every(isValidName)) throw new UsersFileError(`top-level 'workspaces' ${invalidNameProblem(listed)}`);
  return { entries: (users as unknown[] | undefined | null) ?? [], workspaces: [...new Set(listed as string[])] };
}

/** A string the database can hold as a key: not empty, no NUL. */
const isKeyText = (value: unknown): value is string =>
  typeof value === 'string' && value !== '' && !value.includes('\u0000');

/** `identities`: a list of `{provider, subject, email?}` (what `users export` writes for linked users). */
function checkedIdentities(value: unknown, where: string): ImportedIdentity[] {
  if (value === undefined || value === null) return [];
  const problem = (text: string) => new UsersFileError(`${where}: field 'identities' ${text}`);
  if (!Array.isArray(value)) throw problem('must be a list');
  return value.map((item: unknown, index) => {
    const at = `item ${index + 1}`;
    if (!isRecord(item)) throw problem(`${at} must be a mapping with 'provider' and 'subject'`);
    const { provider, subject, email } = item;
    if (typeof provider !== 'string' || !PROVIDER_NAME.test(provider)) {
      throw problem(`${at}: 'provider' must be a provider name (lowercase letters, digits, - and _)`);
    }
    if (!isKeyText(subject)) throw problem(`${at}: 'subject' must be a non-empty string without NUL characters`);
    if (email !== undefined && email !== null && !isKeyText(email)) {
      throw problem(`${at}: 'email' must be a non-empty string without NUL characters, or null`);
    }
    return { provider, subject, email: (email as string | undefined) ?? null };
  });
}

/** `provider_workspaces`: provider name to the workspaces of the entry its claims granted. */
function checkedProviderWorkspaces(
  value: unknown,
  workspaces: string[],
  where: string,
): { provider: string; workspace: string }[] {
  if (value === undefined || value === null) return [];
  const problem = (text: string) => new UsersFileError(`${where}: field 'provider_workspaces' ${text}`);
  if (!isRecord(value)) throw problem('must be a mapping of provider names to lists of workspace names');
  const granted = new Map<string, string>();
  for (const [provider, names] of Object.entries(value)) {
    if (!PROVIDER_NAME.test(provider)) {
      throw problem(`has an invalid provider name '${provider}' (lowercase letters, digits, - and _)`);
    }
    if (!Array.isArray(names)) throw problem(`'${provider}' must be a list of workspace names`);
    for (const name of names) {
      if (typeof name !== 'string' || !workspaces.includes(name)) {
        throw problem(`'${provider}' names '${String(name)}', which is not one of the entry's workspaces`);
      }
      const other = granted.get(name);
      if (other !== undefined && other !== provider) {
        throw problem(`names workspace '${name}' under both '${other}' and '${provider}'`);
      }
      granted.set(name, provider);
    }
  }
  return [...granted].map(([workspace, provider]) => ({ provider, workspace }));
}

/**
 * Reads a users file: Argilla's list of users, or (what `users export` writes when some workspace has no member)
 * a mapping with `users` (that list) and `workspaces` (names to create).
 *
 * Each entry: `username`, `api_key` and `hashed_password` (required), `full_name` (becomes first_name), `email`
 * (ignored), `workspaces`, `disabled`. Without a `role` key, Argilla's rules apply: no `workspaces` key (or null)
 * makes an admin, a list (even empty) an annotator, and every user first joins a workspace named after it. With a
 * `role` key (`users export` writes one), the entry is taken literally: that role, `first_name` and `last_name`,
 * and exactly the listed workspaces. `identities` and `provider_workspaces` (single sign-on, as `users export`
 * writes them) link the user's identities at OpenID providers and mark the memberships their claims granted. The
 * first problem found is reported with the entry's number and username, and the field.
 */
export async function parseUsersFile(text: string): Promise<UsersFile> {
  // Loaded here only: no other command needs a YAML parser.
  const { load } = await import('js-yaml');
  let data: unknown;
  try {
    // Duplicate keys in an entry are an error too.
    data = load(text);
  } catch (error) {
    throw new UsersFileError(`not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  if (data === null || data === undefined) return { users: [], workspaces: [] };
  const { entries, workspaces } = topLevel(data);

  const usernames = new Map<string, number>();
  const apiKeys = new Map<string, number>();
  const identityEntries = new Map<string, number>();
  const users = entries.map((entry: unknown, index): ImportedUser => {
    const number = index + 1;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw new UsersFileError(`entry ${number}: expected a mapping of fields`);
    }
    const fields = entry as Record<string, unknown>;
    const where =
      typeof fields.username === 'string' ? `entry ${number} (username '${fields.username}')` : `entry ${number}`;
    const checked = checkedEntry(fields, where);
    const { username, api_key: apiKey } = checked;

    const earlier = usernames.get(username);
    if (earlier !== undefined) throw new UsersFileError(`${where}: field 'username' repeats entry ${earlier}`);
    usernames.set(username, number);
    const earlierKey = apiKeys.get(apiKey);
    if (earlierKey !== undefined) {
      throw new UsersFileError(`${where}: field 'api_key' repeats the api_key of entry ${earlierKey}`);
    }
    apiKeys.set(apiKey, number);

    const listed = checked.workspaces;
    const names = listed ?? [];
    const literal = checked.role !== undefined;
    const workspaceNames = [...new Set(literal ? names : [username, ...names])];
    const identities = checkedIdentities(fields.identities, where);
    for (const { provider, subject } of identities) {
      const key = JSON.stringify([provider, subject]);
      const earlierIdentity = identityEntries.get(key);
      if (earlierIdentity !== undefined) {
        throw new UsersFileError(
          `${where}: field 'identities' repeats the identity ('${provider}', '${subject}') of entry ${earlierIdentity}`,
        );
      }
      identityEntries.set(key, number);
    }
    const providerWorkspaces = checkedProviderWorkspaces(fields.provider_workspaces, workspaceNames, where);
    return {
      username,
      firstName: checked.first_name ?? checked.full_name ?? '',
      lastName: checked.last_name ?? null,
      role: literal ? checked.role! : listed === undefined || listed === null ? 'admin' : 'annotator',
      apiKey,
      passwordHash: checked.hashed_password,
      workspaces: workspaceNames,
      disabled: checked.disabled === true,
      ...(identities.length > 0 ? { identities } : {}),
      ...(providerWorkspaces.length > 0 ? { providerWorkspaces } : {}),
    };
  });
  return { users, workspaces };
}
