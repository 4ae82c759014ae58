import { describe, expect, it } from 'vitest';
import { parseConfig, shellQuote, syncTargets, syncsInto } from '../src/index.js';
import { editedConfig, repoConfig } from './helpers.js';

const BRANCHES = [
  'main',
  'prod1',
  'prod/x',
  'hotfix/y',
  'feature/a',
  'sandbox',
  'qa',
  'qa2',
  'staging',
  'dev-ana-1',
  'experiment/z',
];

describe('long-lived sync targets', () => {
  it('syncs protected non-production long-lived branches, never production ones by default', () => {
    const targets = syncTargets(BRANCHES, repoConfig(), 'main').map((t) => t.branch);
    // `qa` matches qa* but is outside its allow list (qa1-qa3): it has no environment to sync.
    expect(targets).toEqual(['sandbox', 'qa2', 'staging', 'dev-ana-1']);
  });

  it('pushes into production branches only when their rule opts in, and lets a rule opt out', () => {
    const config = parseConfig(
      editedConfig((c) => {
        c.rules[3].sync = true; // prod[1-9]
        c.rules[8].sync = false; // qa*
      }),
    );
    expect(syncTargets(BRANCHES, config, 'main').map((t) => t.branch)).toEqual([
      'prod1',
      'sandbox',
      'staging',
      'dev-ana-1',
    ]);
    expect(
      syncsInto('main', parseConfig(editedConfig((c) => (c.rules[0].sync = true))), 'main'),
    ).toBe(false);
  });

  it('makes every text about a hostile branch safe for its context', () => {
    const branch = "staging`@octocat`'$(touch${IFS}MARKER)'|x";
    const [t] = syncTargets([branch], repoConfig(), 'main');
    expect(t?.branch).toBe(branch);
    expect(t?.label).toBe("``staging`@octocat`'$(touch${IFS}MARKER)'|x``");
    expect(t?.conflictTitle).toBe(`branch-env sync: merging into ${t?.label} conflicts`);
    expect(t?.mergeCommand).toBe(
      `git fetch origin && git switch ${shellQuote(branch)} && git merge origin/main`,
    );
    expect(t?.pushCommand).toBe(`${t?.mergeCommand} && git push`);
  });

  it('shows a right-to-left override in the label instead of applying it (display spoofing)', () => {
    const [t] = syncTargets(['staging\u202egnp.exe'], repoConfig(), 'main');
    expect(t?.label).toBe('`staging\\u202egnp.exe`');
    expect(t?.mergeCommand).toContain("'staging\u202egnp.exe'");
  });
});
