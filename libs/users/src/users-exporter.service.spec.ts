import { dump } from 'js-yaml';
import { ExportedUser, UsersFileYaml } from './users-exporter.service';

/** Users whose values YAML must quote, fold or block: the chunks must still join into the whole document. */
const USERS: ExportedUser[] = [
  {
    username: 'ada',
    first_name: 'Ada',
    last_name: 'Lovelace',
    role: 'admin',
    api_key: 'ada-key',
    hashed_password: '$2y$05$eaw.j2Kaw8s8vpscVIZMfuqSIX3OLmxA21WjtWicDdn0losQ91Hw.',
    workspaces: ['team', 'research'],
    disabled: false,
  },
  {
    username: 'bob',
    first_name: 'two\nlines\n\n  indented after a blank one\n',
    role: 'annotator',
    api_key: '- not a list',
    hashed_password: 'x',
    workspaces: [],
    disabled: true,
  },
  {
    username: 'carol',
    first_name: '  leading spaces',
    last_name: "it's: 'quoted' # not a comment",
    role: 'owner',
    api_key: 'null',
    hashed_password: 'true',
    workspaces: ['ünïcödé', 'emoji 😀'],
    disabled: false,
    identities: [
      { provider: 'idp', subject: '0123', email: 'carol@example.com' },
      { provider: 'other', subject: 's' },
    ],
    provider_workspaces: { idp: ['ünïcödé'] },
  },
  {
    username: 'dan',
    first_name: 'Dan',
    role: 'annotator',
    api_key: 'dan-key',
    hashed_password: 'y',
    workspaces: ['team'],
    disabled: false,
  },
];

const whole = (value: unknown) => dump(value, { lineWidth: -1, noRefs: true });

function chunked(users: ExportedUser[], size: number, emptyWorkspaces: string[]): string {
  const yaml = new UsersFileYaml(dump, emptyWorkspaces);
  let text = '';
  for (let start = 0; start < users.length; start += size) text += yaml.users(users.slice(start, start + size));
  return text + yaml.end();
}

describe('UsersFileYaml', () => {
  it.each([1, 2, 3, 4, 10])('writes the list of users in chunks of %i as the whole list dumped at once', (size) => {
    expect(chunked(USERS, size, [])).toBe(whole(USERS));
  });

  it.each([1, 2, 3, 4, 10])(
    'writes the mapping (empty workspaces, then users) in chunks of %i as the whole mapping dumped at once',
    (size) => {
      const workspaces = ['empty', 'also: empty'];
      expect(chunked(USERS, size, workspaces)).toBe(whole({ workspaces, users: USERS }));
    },
  );

  it('writes no user as an empty list, or as a mapping with an empty list of users', () => {
    expect(chunked([], 1, [])).toBe('[]\n');
    expect(chunked([], 1, ['empty'])).toBe('workspaces:\n  - empty\nusers: []\n');
  });

  it('ignores an empty chunk', () => {
    const yaml = new UsersFileYaml(dump, ['empty']);
    expect(yaml.users([])).toBe('');
    expect(yaml.users(USERS.slice(0, 1)) + yaml.users([]) + yaml.users(USERS.slice(1)) + yaml.end()).toBe(
      whole({ workspaces: ['empty'], users: USERS }),
    );
  });
});
