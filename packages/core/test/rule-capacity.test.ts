import { describe, expect, it } from 'vitest';
import {
  NotAllowedError,
  resolveEnvironment,
  ruleCapacityError,
  UserError,
  type DeployedEnvironment,
} from '../src/index.js';
import { repoConfig } from './helpers.js';

const config = repoConfig();
const DEV = '111111111111';

function found(
  environment: string,
  ownerBranch: string | undefined,
  over: Partial<DeployedEnvironment> = {},
): DeployedEnvironment {
  return {
    app: 'branch-env-demo',
    environment,
    account: DEV,
    region: 'us-east-1',
    ownerBranch,
    status: 'deployed',
    stacks: [],
    ...over,
  };
}

describe('resolve refuses a branch outside its rule\'s "allow"', () => {
  it.each(['qa1', 'qa2', 'qa3'])('gives the allowed branch %s its environment', (branch) => {
    expect(resolveEnvironment(branch, config)).toMatchObject({ name: branch, protected: true });
  });

  it.each(['qa4', 'qa-anything', "qa';id;'", 'qa'])(
    'refuses %s, naming the allowed branches and the fix',
    (branch) => {
      let error: unknown;
      try {
        resolveEnvironment(branch, config);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(NotAllowedError);
      expect(error).toBeInstanceOf(UserError);
      expect((error as NotAllowedError).branch).toBe(branch);
      expect((error as Error).message).toMatch(
        /matches rules\[\d+\] \('qa\*'\), which gives environments only to 'qa1', 'qa2', 'qa3'$/,
      );
      expect((error as UserError).fix).toMatch(
        /add the branch to rules\[\d+\]\.allow in branch-env\.config\.json/,
      );
    },
  );
});

describe('deploy refuses to create an environment past the rule\'s "maxEnvironments"', () => {
  // staging* allows at most 2.
  const staging3 = resolveEnvironment('staging3', config);

  it("carries the rule's cap on the resolved environment", () => {
    expect(staging3.rule.maxEnvironments).toBe(2);
    expect(resolveEnvironment('qa1', config).rule.maxEnvironments).toBeUndefined();
  });

  it.each<[string, DeployedEnvironment[], RegExp | undefined]>([
    ['none exist', [], undefined],
    ['one exists', [found('staging1', 'staging1')], undefined],
    [
      'two exist',
      [found('staging1', 'staging1'), found('staging2', 'staging2')],
      /^rules\[\d+\] \('staging\*'\) allows at most 2 environments in account development, and 2 exist \(staging1, staging2\); 'staging3' would be one more$/,
    ],
    [
      'two exist, one known only by its tag (no owner record)',
      [found('staging1', 'staging1'), found('staging2', undefined, { taggedBranch: 'staging2' })],
      /2 exist/,
    ],
    [
      'the environment itself exists (a redeploy)',
      [found('staging1', 'staging1'), found('staging2', 'staging2'), found('staging3', 'staging3')],
      undefined,
    ],
    [
      'two exist of other rules or accounts only',
      [
        found('qa1', 'qa1'),
        found('sandbox', 'sandbox'),
        found('staging1', 'staging1', { account: '222222222222' }),
        found('staging2', 'staging2', { region: 'eu-west-1' }),
      ],
      undefined,
    ],
  ])('when %s', (_what, existing, message) => {
    const error = ruleCapacityError(staging3, existing, config);
    if (message === undefined) expect(error).toBeUndefined();
    else {
      expect(error).toBeInstanceOf(UserError);
      expect(error?.message).toMatch(message);
      expect(error?.fix).toBe(
        'destroy one first (branch-env destroy staging1 --force-protected), or raise rules[' +
          staging3.rule.index +
          '].maxEnvironments in branch-env.config.json (a reviewed change)',
      );
    }
  });

  it('never limits a rule without maxEnvironments', () => {
    const many = Array.from({ length: 50 }, (_, i) => found(`feature-x${i}`, `feature/x${i}`));
    expect(
      ruleCapacityError(resolveEnvironment('feature/y', config), many, config),
    ).toBeUndefined();
  });
});
