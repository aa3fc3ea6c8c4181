import type { DataSource } from 'typeorm';
import { describeStep, MigrationRunner, UnknownDatabaseRevisionError, UnknownRevisionError } from './migration-runner';
import { EARLIER_REVISIONS, Revision } from './migrations';

function revision(id: string, parent: string | null): Revision {
  return { id, parent, description: `make ${id}`, up: async () => undefined, down: async () => undefined };
}

// Pure logic only (resolve, plan): no query is ever sent to this stand-in.
const noDatabase = {} as DataSource;
const chain = [revision('aaaa1111', null), revision('bbbb2222', 'aaaa1111'), revision('cccc3333', 'bbbb2222')];
const runner = new MigrationRunner(noDatabase, chain, { '1.0': 'aaaa1111', '2.0': 'cccc3333' });

describe('MigrationRunner', () => {
  it.each([
    ['head', 'cccc3333'],
    ['base', null],
    ['1.0', 'aaaa1111'],
    ['bbbb2222', 'bbbb2222'],
    ['bbbb', 'bbbb2222'],
  ])('resolves %s', (target, expected) => {
    expect(runner.resolve(target)).toBe(expected);
  });

  it.each(['nope', 'bbb', '3.0'])('refuses the unknown target %s, listing the known ones', (target) => {
    expect(() => runner.resolve(target)).toThrow(UnknownRevisionError);
    expect(() => runner.resolve(target)).toThrow(
      `Unknown revision '${target}'. Known: head, base, tag 1.0, tag 2.0, aaaa1111, bbbb2222, cccc3333.`,
    );
  });

  it('plans upgrades oldest first and downgrades newest first', () => {
    expect(runner.plan(null, 'cccc3333').map(describeStep)).toEqual([
      'Running upgrade  -> aaaa1111, make aaaa1111',
      'Running upgrade aaaa1111 -> bbbb2222, make bbbb2222',
      'Running upgrade bbbb2222 -> cccc3333, make cccc3333',
    ]);
    expect(runner.plan('cccc3333', 'aaaa1111').map(describeStep)).toEqual([
      'Running downgrade cccc3333 -> bbbb2222, make cccc3333',
      'Running downgrade bbbb2222 -> aaaa1111, make bbbb2222',
    ]);
    expect(runner.plan('bbbb2222', 'bbbb2222')).toEqual([]);
  });

  it('refuses to plan from a revision it does not know', () => {
    expect(() => runner.plan('ffff0000', 'cccc3333')).toThrow(UnknownDatabaseRevisionError);
  });

  it('refuses a chain whose parents do not follow each other, or a tag on an unknown revision', () => {
    expect(() => new MigrationRunner(noDatabase, [chain[0], chain[2]])).toThrow(
      'Revision cccc3333 has parent bbbb2222, expected aaaa1111.',
    );
    expect(() => new MigrationRunner(noDatabase, chain, { x: 'zzzz' })).toThrow('Tag x names unknown revision zzzz.');
  });

  it('lists the tags of a revision', () => {
    expect(runner.tagsOf('cccc3333')).toEqual(['2.0']);
    expect(runner.tagsOf('bbbb2222')).toEqual([]);
  });
});

describe("this project's chain", () => {
  const real = new MigrationRunner(noDatabase);

  it("starts with Argilla 1.8.0's eight revisions, then this project's, with Argilla's tags", () => {
    expect(real.revisions.map((r) => `${r.id} ${r.description}`)).toEqual([
      '74694870197c create users table',
      '82a5a88a3fa5 create workspaces table',
      '1769ee58fbb4 create workspaces_users table',
      'b9099dc08489 create datasets table',
      '3a8e2f9b5dea create questions table',
      '8be56284dac0 create records table',
      'e402e9d9245e create responses table',
      'ae5522b4c674 create fields table',
      'f543ed19759f create login_attempts table',
      'd5fda6c60caa add disabled and tokens_valid_after to users',
      '8ef49c590498 create data_version, bumped by triggers on users, workspaces and memberships',
      '654435fa1803 create oauth_identities and oauth_memberships tables',
      'c2a47e91b0d3 create personal_access_tokens table',
      '4e8b1d6f2a97 create user_sessions table',
      '9c3e5a7b1d24 create audit_events table',
    ]);
    expect([real.resolve('1.7'), real.resolve('1.8'), real.head]).toEqual([
      '1769ee58fbb4',
      'ae5522b4c674',
      '9c3e5a7b1d24',
    ]);
  });

  it('resolves the revisions of argilla-users 1.8.0 to the ones they became', () => {
    expect(Object.keys(EARLIER_REVISIONS).map((id) => real.resolve(id))).toEqual([
      'f543ed19759f',
      'd5fda6c60caa',
      '8ef49c590498',
    ]);
  });

  it('describes the adoption of an earlier release', () => {
    expect(
      describeStep({
        direction: 'adopt',
        adoption: { from: 'c7e4b2a9f105', to: '8ef49c590498', changes: ["Argilla 1.8's dataset tables created"] },
      }),
    ).toBe(
      "Adopting a database of argilla-users 1.8.0 (revision 'c7e4b2a9f105', now '8ef49c590498'): Argilla 1.8's dataset tables created",
    );
  });
});
