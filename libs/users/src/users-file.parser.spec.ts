import { fullyCheckedEntry, parseUsersFile, plainlyValidEntry, UsersFileError } from './users-file.parser';

const HASH = '$2b$12$Gz1o1kyb4ZbSaUwEPe1NTe9iNIlzSDXj3cmi7CF9cmB.8S5rXhzTu';
const ARGON2 = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA';

/** A valid entry (username `ok`) followed by `extra` lines. */
const entry = (extra = '', username = 'ok', apiKey = 'ok-key-000'): string =>
  `- username: ${username}\n  api_key: ${apiKey}\n  hashed_password: '${HASH}'\n${extra}`;

async function failure(text: string): Promise<string> {
  const error = await parseUsersFile(text).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(UsersFileError);
  return (error as UsersFileError).message;
}

describe('parseUsersFile', () => {
  it("reads Argilla's users file: no workspaces key makes an admin, a list an annotator, each joining its own workspace", async () => {
    const text = [
      '- username: boss',
      '  full_name: The Boss',
      '  email: boss@example.com',
      '  api_key: boss-key-1',
      `  hashed_password: '${HASH}'`,
      '- username: ann',
      '  api_key: ann-key-01',
      `  hashed_password: '${ARGON2}'`,
      '  workspaces: [team, ann, team]',
      '  disabled: true',
      '',
    ].join('\n');
    expect(await parseUsersFile(text)).toEqual({
      users: [
        {
          username: 'boss',
          firstName: 'The Boss',
          lastName: null,
          role: 'admin',
          apiKey: 'boss-key-1',
          passwordHash: HASH,
          workspaces: ['boss'],
          disabled: false,
        },
        {
          username: 'ann',
          firstName: '',
          lastName: null,
          role: 'annotator',
          apiKey: 'ann-key-01',
          passwordHash: ARGON2,
          workspaces: ['ann', 'team'],
          disabled: true,
        },
      ],
      workspaces: [],
    });
  });

  it("takes an entry with a role literally, and reads the export's mapping with empty workspaces", async () => {
    const text = [
      'workspaces: [empty, empty, other]',
      'users:',
      '  - username: owner1',
      '    first_name: Ada',
      '    last_name: Lovelace',
      '    full_name: ignored when first_name is given',
      '    role: owner',
      '    api_key: owner-key-1',
      `    hashed_password: '${HASH}'`,
      '    workspaces: [team]',
      '  - username: nobody',
      '    role: annotator',
      '    api_key: nobody-key',
      `    hashed_password: '${HASH}'`,
      '',
    ].join('\n');
    expect(await parseUsersFile(text)).toEqual({
      users: [
        {
          username: 'owner1',
          firstName: 'Ada',
          lastName: 'Lovelace',
          role: 'owner',
          apiKey: 'owner-key-1',
          passwordHash: HASH,
          workspaces: ['team'],
          disabled: false,
        },
        {
          username: 'nobody',
          firstName: '',
          lastName: null,
          role: 'annotator',
          apiKey: 'nobody-key',
          passwordHash: HASH,
          workspaces: [],
          disabled: false,
        },
      ],
      workspaces: ['empty', 'other'],
    });
  });

  it('reads a null document, an empty list or empty users as no users; an empty file is not a YAML document', async () => {
    expect(await parseUsersFile('~\n')).toEqual({ users: [], workspaces: [] });
    expect(await parseUsersFile('[]\n')).toEqual({ users: [], workspaces: [] });
    expect(await parseUsersFile('users:\n')).toEqual({ users: [], workspaces: [] });
    expect(await failure('')).toBe('not valid YAML: expected a document, but the input is empty');
  });

  it.each([
    [
      'a missing username',
      `- api_key: k-0000001\n  hashed_password: '${HASH}'\n`,
      "entry 1: field 'username' is required",
    ],
    [
      'an empty username',
      `- username: ''\n  api_key: k-1\n  hashed_password: '${HASH}'\n`,
      "entry 1 (username ''): field 'username' is required",
    ],
    [
      'a username that is not a string',
      `- username: 12\n  api_key: k-1\n  hashed_password: '${HASH}'\n`,
      "entry 1: field 'username' must be a string",
    ],
    [
      'a username off the pattern',
      entry('', 'Bad-Name'),
      `entry 1 (username 'Bad-Name'): field 'username' does not match regex "^(?!-|_)[a-z0-9-_]+$"`,
    ],
    [
      'a username over 255 characters',
      entry('', 'a'.repeat(256)),
      `entry 1 (username '${'a'.repeat(256)}'): field 'username' is longer than 255 characters`,
    ],
    [
      'a username with a NUL',
      `- username: "a\\0b"\n  api_key: k-1\n  hashed_password: '${HASH}'\n`,
      "entry 1 (username 'a\u0000b'): field 'username' contains a NUL character",
    ],
    [
      'a missing api_key',
      `- username: bad\n  hashed_password: '${HASH}'\n`,
      "entry 1 (username 'bad'): field 'api_key' is required",
    ],
    [
      'an api_key that is not a string',
      entry('', 'ok', '[a]'),
      "entry 1 (username 'ok'): field 'api_key' must be a string",
    ],
    [
      'a missing hashed_password',
      '- username: nohash\n  api_key: k-0000002\n',
      "entry 1 (username 'nohash'): field 'hashed_password' is required",
    ],
    [
      'a clear-text password',
      "- username: plain\n  api_key: k-3\n  hashed_password: '1234'\n",
      "entry 1 (username 'plain'): field 'hashed_password' is not a bcrypt ($2a$, $2b$, $2y$) or argon2 hash",
    ],
    [
      'a full_name that is not a string',
      entry('  full_name: {a: 1}\n'),
      "entry 1 (username 'ok'): field 'full_name' must be a string",
    ],
    [
      'a first_name with a NUL',
      entry('  first_name: "a\\0"\n'),
      "entry 1 (username 'ok'): field 'first_name' contains a NUL character",
    ],
    [
      'a last_name that is not a string',
      entry('  last_name: [a]\n'),
      "entry 1 (username 'ok'): field 'last_name' must be a string",
    ],
    [
      'a disabled that is not a boolean',
      entry('  disabled: "yes"\n'),
      "entry 1 (username 'ok'): field 'disabled' must be true or false",
    ],
    [
      'a role that is not one',
      entry('  role: superuser\n'),
      "entry 1 (username 'ok'): field 'role' must be one of 'admin', 'annotator', 'owner'",
    ],
    [
      'a null role',
      entry('  role: null\n'),
      "entry 1 (username 'ok'): field 'role' must be one of 'admin', 'annotator', 'owner'",
    ],
    [
      'workspaces that are not a list',
      entry('  workspaces: team\n'),
      "entry 1 (username 'ok'): field 'workspaces' must be a list",
    ],
    [
      'an invalid workspace name',
      entry('  workspaces: [good, "Not Valid"]\n'),
      `entry 1 (username 'ok'): field 'workspaces' has an invalid workspace name 'Not Valid' (must match "^(?!-|_)[a-z0-9-_]+$")`,
    ],
    [
      'a workspace name that is not a string',
      entry('  workspaces: [good, 7]\n'),
      `entry 1 (username 'ok'): field 'workspaces' has an invalid workspace name '7' (must match "^(?!-|_)[a-z0-9-_]+$")`,
    ],
    ['an entry that is not a mapping', `${entry()}- just-a-name\n`, 'entry 2: expected a mapping of fields'],
    [
      'a repeated username',
      `${entry()}${entry('', 'ok', 'other-key')}`,
      "entry 2 (username 'ok'): field 'username' repeats entry 1",
    ],
    [
      'a repeated api key',
      `${entry()}${entry('', 'other')}`,
      "entry 2 (username 'other'): field 'api_key' repeats the api_key of entry 1",
    ],
    ['a mapping instead of a list', 'username: john\n', 'expected a list of users at the top level'],
    [
      'an unknown top-level key',
      'users: []\ngroups: [a]\n',
      "unknown top-level key 'groups' (expected 'users' and 'workspaces')",
    ],
    ['top-level users that are not a list', 'users: {a: 1}\n', "top-level 'users' must be a list"],
    ['top-level workspaces that are not a list', 'workspaces: team\n', "top-level 'workspaces' must be a list"],
    [
      'an invalid top-level workspace name',
      'workspaces: [ok, "Not Valid"]\nusers: []\n',
      `top-level 'workspaces' has an invalid workspace name 'Not Valid' (must match "^(?!-|_)[a-z0-9-_]+$")`,
    ],
  ])('refuses %s', async (_label, text, message) => {
    expect(await failure(text)).toBe(message);
  });

  it('reports the first problem of an entry in field order, whatever the order of the keys', async () => {
    const text = `- role: superuser\n  workspaces: ["Bad"]\n  username: ok\n  api_key: [x]\n  hashed_password: '${HASH}'\n`;
    expect(await failure(text)).toBe("entry 1 (username 'ok'): field 'api_key' must be a string");
  });

  it('numbers entries from 1 in the order of the file, inside the users mapping too', async () => {
    const text = `users:\n${[entry(), entry('', 'two', 'key-two'), entry('  role: 5\n', 'three', 'key-three')]
      .join('')
      .replace(/^/gm, '  ')}`;
    expect(await failure(text)).toBe(
      "entry 3 (username 'three'): field 'role' must be one of 'admin', 'annotator', 'owner'",
    );
  });

  it('gives the line and column of a YAML error, and refuses duplicate keys in an entry', async () => {
    expect(await failure('- username: ok\n  api_key: [unclosed\n')).toBe('not valid YAML: deficient indentation (3:1)');
    expect(await failure('- username: a\n  username: b\n')).toBe('not valid YAML: duplicated mapping key (2:3)');
  });
  it("reads the export's identities and the memberships their providers granted", async () => {
    const text = entry(
      [
        '  role: annotator',
        '  workspaces: [team, lab]',
        '  identities:',
        '    - {provider: keycloak, subject: 0f1e-22, email: ok@example.com}',
        '    - {provider: google, subject: "1177", email: null}',
        '  provider_workspaces: {keycloak: [lab]}',
        '',
      ].join('\n'),
    );
    const [user] = (await parseUsersFile(text)).users;
    expect([user.identities, user.providerWorkspaces]).toEqual([
      [
        { provider: 'keycloak', subject: '0f1e-22', email: 'ok@example.com' },
        { provider: 'google', subject: '1177', email: null },
      ],
      [{ provider: 'keycloak', workspace: 'lab' }],
    ]);
  });

  it.each([
    ['  identities: keycloak\n', "field 'identities' must be a list"],
    ['  identities: [keycloak]\n', "field 'identities' item 1 must be a mapping with 'provider' and 'subject'"],
    [
      '  identities: [{provider: Key Cloak, subject: a}]\n',
      "field 'identities' item 1: 'provider' must be a provider name (lowercase letters, digits, - and _)",
    ],
    [
      '  identities: [{provider: kc, subject: a}, {provider: kc, subject: ""}]\n',
      "field 'identities' item 2: 'subject' must be a non-empty string without NUL characters",
    ],
    [
      '  identities: [{provider: kc, subject: 7}]\n',
      "field 'identities' item 1: 'subject' must be a non-empty string without NUL characters",
    ],
    [
      '  identities: [{provider: kc, subject: "a\\0b"}]\n',
      "field 'identities' item 1: 'subject' must be a non-empty string without NUL characters",
    ],
    [
      '  identities: [{provider: kc, subject: a, email: [x]}]\n',
      "field 'identities' item 1: 'email' must be a non-empty string without NUL characters, or null",
    ],
    [
      '  provider_workspaces: [kc]\n',
      "field 'provider_workspaces' must be a mapping of provider names to lists of workspace names",
    ],
    ['  provider_workspaces: {kc: ok}\n', "field 'provider_workspaces' 'kc' must be a list of workspace names"],
    [
      '  provider_workspaces: {kc: [elsewhere]}\n',
      "field 'provider_workspaces' 'kc' names 'elsewhere', which is not one of the entry's workspaces",
    ],
    [
      '  provider_workspaces: {KC: [ok]}\n',
      "field 'provider_workspaces' has an invalid provider name 'KC' (lowercase letters, digits, - and _)",
    ],
    [
      '  provider_workspaces: {kc: [ok], other: [ok]}\n',
      "field 'provider_workspaces' names workspace 'ok' under both 'kc' and 'other'",
    ],
  ])('refuses identities or provider workspaces %j', async (extra, problem) => {
    expect(await failure(entry(extra))).toBe(`entry 1 (username 'ok'): ${problem}`);
  });

  it('refuses an identity that two entries both claim', async () => {
    const identity = '  identities: [{provider: kc, subject: same}]\n';
    expect(await failure(entry(identity) + entry(identity, 'two', 'two-key-000'))).toBe(
      "entry 2 (username 'two'): field 'identities' repeats the identity ('kc', 'same') of entry 1",
    );
  });
  describe('the shortcut past class-validator', () => {
    const base: Record<string, unknown> = {
      username: 'ok',
      api_key: 'ok-key-000',
      hashed_password: HASH,
      full_name: 'Full Name',
      first_name: 'First',
      last_name: 'Last',
      disabled: false,
      role: 'annotator',
      workspaces: ['team', 'lab-2'],
      email: 'ignored@example.com',
    };
    const values: unknown[] = [
      undefined,
      null,
      '',
      'ok',
      'a\u0000b',
      'Has Space',
      '-lead',
      '_lead',
      'x'.repeat(255),
      'x'.repeat(256),
      'é',
      7,
      true,
      false,
      [],
      ['ok'],
      ['ok', 'Bad'],
      ['ok', 7],
      ['x'.repeat(256)],
      {},
      HASH,
      ARGON2,
      '$1$md5',
      'admin',
      'owner',
      'superuser',
    ];
    const defined = (entry: object) =>
      Object.fromEntries(Object.entries(entry).filter(([, value]) => value !== undefined));
    const fully = (entry: Record<string, unknown>) => {
      try {
        return { ok: defined(fullyCheckedEntry(entry, 'entry 1')) };
      } catch (error) {
        expect(error).toBeInstanceOf(UsersFileError);
        return { error: (error as Error).message };
      }
    };

    it('takes only what class-validator takes, as class-validator gives it', () => {
      let taken = 0;
      for (const field of Object.keys(base)) {
        for (const value of values) {
          const entry = { ...base, [field]: value };
          const shortcut = plainlyValidEntry(entry);
          const full = fully(entry);
          if (shortcut === undefined) continue;
          taken += 1;
          expect([field, value, full]).toEqual([field, value, { ok: defined(shortcut) }]);
        }
      }
      // The shortcut is taken for most valid variations (else it would be no shortcut).
      expect(taken).toBeGreaterThan(40);
      expect(plainlyValidEntry(base)).toBeDefined();
      expect(plainlyValidEntry({ username: 'ok', api_key: 'k', hashed_password: HASH })).toBeDefined();
    });
  });
});
