import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  configJsonSchema,
  parseConfig,
  parseConfigText,
  type ConfigIssue,
} from '../src/index.js';
import { editedConfig, repoConfig, ROOT } from './helpers.js';

function issuesOf(raw: unknown): ConfigIssue[] {
  try {
    parseConfig(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return [...(e as ConfigError).issues];
  }
  throw new Error('expected the config to be rejected');
}

describe('the repository config', () => {
  it('is valid and applies defaults', () => {
    const config = repoConfig();
    expect(config.app).toBe('branch-env-demo');
    expect(config.defaults.ttlHours).toBe(72);
    expect(config.profiles.preview?.database).toEqual({
      engine: 'mongodb-container',
      image: 'public.ecr.aws/docker/library/mongo:7.0',
    });
  });

  it('points $schema at a JSON Schema that is generated from the one schema definition and up to date', () => {
    const committed = JSON.parse(readFileSync(`${ROOT}branch-env.schema.json`, 'utf8'));
    expect(committed).toEqual(configJsonSchema());
    expect(JSON.parse(readFileSync(`${ROOT}branch-env.config.json`, 'utf8')).$schema).toBe(
      './branch-env.schema.json',
    );
  });
});

describe('config validation', () => {
  it.each<[string, (c: Record<string, any>) => void, string, RegExp]>([
    [
      'an unknown account in a rule',
      (c) => (c.rules[4].account = 'staging'),
      'rules[4].account',
      /unknown account 'staging'; known: development, production/,
    ],
    [
      'an unknown profile in a rule',
      (c) => (c.rules[4].profile = 'huge'),
      'rules[4].profile',
      /unknown profile 'huge'/,
    ],
    [
      'a web ACL that is not a CloudFront-scope WAF ARN',
      (c) =>
        (c.profiles.full.webAclArn =
          'arn:aws:wafv2:eu-west-1:111111111111:regional/webacl/shared/0a1b2c3d-0000-0000-0000-000000000000'),
      'profiles.full.webAclArn',
      /must be the ARN of a CloudFront-scope AWS WAF web ACL: arn:aws:wafv2:us-east-1:/,
    ],
    [
      'an unknown default profile',
      (c) => (c.defaults.profile = 'nope'),
      'defaults.profile',
      /unknown profile 'nope'/,
    ],
    [
      'two rules fixing the same name',
      (c) => (c.rules[1].environment = 'customer-facing'),
      'rules[1].environment',
      /rules\[0\] already fixes the name 'customer-facing'/,
    ],
    [
      'an invalid pattern',
      (c) => (c.rules[4].branch = 'feature/[abc'),
      'rules[4].branch',
      /invalid pattern 'feature\/\[abc': unclosed \[/,
    ],
    [
      'an invalid regex pattern',
      (c) => (c.rules[4].branch = '/feature/(/'),
      'rules[4].branch',
      /invalid pattern/,
    ],
    [
      'a domain too long for the name budget',
      (c) =>
        (c.accounts.development.domain.name = 'previews.for.the.development.team.of.example.net'),
      'accounts.development.domain.name',
      /\(48 characters\) leaves only 15 characters .* at most 43 characters/,
    ],
    [
      'an unprotected rule to a production account',
      (c) => (c.rules[4].account = 'production'),
      'rules[4].protected',
      /routes to production account 'production' but is not protected/,
    ],
    [
      'a protected rule with a TTL',
      (c) => (c.rules[0].ttlHours = 5),
      'rules[0].ttlHours',
      /never expires/,
    ],
    [
      'an invalid fixed name',
      (c) => (c.rules[0].environment = 'Customer_Facing'),
      'rules[0].environment',
      /not a valid environment name/,
    ],
    [
      'a fixed name another rule would compute',
      (c) =>
        c.rules.push({
          branch: 'customer-*',
          account: 'production',
          profile: 'production',
          protected: true,
        }),
      'rules[0].environment',
      /also what branch 'customer-facing' gets from rules\[11\]/,
    ],
    [
      'a fixed name a branch spelled with / for - would compute',
      (c) =>
        c.rules.push({
          branch: 'demo',
          account: 'development',
          environment: 'feature-x',
          protected: true,
        }),
      'rules[11].environment',
      /fixed name 'feature-x' is also what branch 'feature\/x' gets from rules\[4\] \('feature\/\*\*'\) in the same account; choose another name/,
    ],
    [
      'a fixed name with more dashes than are all spelled out, computed by a concrete branch rule',
      (c) =>
        c.rules.push(
          { branch: 'a/b/c/d-e-f-g-h-i-j-k-l-m-n', account: 'development' },
          {
            branch: 'demo',
            account: 'development',
            environment: 'a-b-c-d-e-f-g-h-i-j-k-l-m-n',
            protected: true,
          },
        ),
      'rules[12].environment',
      /fixed name 'a-b-c-d-e-f-g-h-i-j-k-l-m-n' is also what branch 'a\/b\/c\/d-e-f-g-h-i-j-k-l-m-n' gets from rules\[11\]/,
    ],
    [
      'a fixed name in the form of hashed names',
      (c) => (c.rules[0].environment = 'customer--facing'),
      'rules[0].environment',
      /contains --, the mark of hashed names/,
    ],
    [
      'a custom domain without a domain',
      (c) => delete c.accounts.development.domain,
      'rules[4]',
      /no domain/,
    ],
    [
      'minTasks above maxTasks',
      (c) => (c.profiles.full.task.minTasks = 3),
      'profiles.full.task.minTasks',
      /task.maxTasks \(2\) is below task.minTasks \(3\); make task.maxTasks at least task.minTasks/,
    ],
    [
      'a sidecar database with several tasks',
      (c) => (c.profiles.preview.task.maxTasks = 2),
      'profiles.preview.task.maxTasks',
      /keeps its data inside one task, but task.maxTasks is 2/,
    ],
    [
      'an invalid Fargate size',
      (c) => (c.profiles.full.task.memoryMiB = 4096),
      'profiles.full.task.memoryMiB',
      /not valid with 256 CPU units/,
    ],
    [
      'a bad account id',
      (c) => (c.accounts.development.id = '1234'),
      'accounts.development.id',
      /12 digits/,
    ],
    [
      'a bad role ARN',
      (c) => (c.accounts.development.deployRoleArn = 'deploy'),
      'accounts.development.deployRoleArn',
      /IAM role ARN/,
    ],
    [
      'an unknown key',
      (c) => (c.profiles.full.natGateway = 1),
      'profiles.full.natGateway',
      /unknown key/,
    ],
    [
      'an unknown database engine',
      (c) => (c.profiles.full.database.engine = 'dynamodb'),
      'profiles.full.database.engine',
      /Expected 'documentdb' \| 'aurora-postgres' \| 'mongodb-container' \| 'none'/,
    ],
    [
      'an invalid log retention',
      (c) => (c.profiles.full.logRetentionDays = 10),
      'profiles.full.logRetentionDays',
      /^CloudWatch Logs retention in days: one of 1, 3, 5, 7, 14, 30, .*, 3288 or 3653$/,
    ],
    [
      'an invalid task CPU',
      (c) => (c.profiles.full.task.cpu = 300),
      'profiles.full.task.cpu',
      /^Fargate task CPU units: one of 256, 512, 1024, 2048 or 4096$/,
    ],
    ['an app name starting with a digit', (c) => (c.app = '1app'), 'app', /starting with a letter/],
    [
      "an app name starting with 'aws'",
      (c) => (c.app = 'awsome'),
      'app',
      /^may not start with 'aws' or 'ssm': SSM refuses parameter names/,
    ],
    ["an app name starting with 'ssm'", (c) => (c.app = 'ssm-demo'), 'app', /'aws' or 'ssm'/],
    [
      'a baseline only a pattern rule would produce',
      (c) => (c.baseline = 'staging'),
      'baseline',
      /^'staging' is not an environment any rule is sure to produce, .*; set "baseline" to one of 'customer-facing', 'sandbox', or add a rule for the branch 'staging' before rules\[9\] \('staging\*'\)/,
    ],
    [
      'a baseline no rule produces',
      (c) => (c.baseline = 'nowhere'),
      'baseline',
      /add a rule for the branch 'nowhere' \(or one with "environment": "nowhere"\)$/,
    ],
    [
      'an invalid baseline',
      (c) => (c.baseline = 'Not Valid'),
      'baseline',
      /not a valid environment name/,
    ],
  ])('fails for %s, at its JSON path', (_what, edit, path, message) => {
    const issues = issuesOf(editedConfig(edit));
    const issue = issues.find((i) => i.path === path);
    expect(issue, JSON.stringify(issues)).toBeDefined();
    expect(issue?.message).toMatch(message);
  });

  it('accepts a fixed name whose spellings reach only its own rule or other accounts', () => {
    // feature/x routes to this rule (the first that matches); feature-x matches no rule.
    const own = editedConfig((c) =>
      c.rules.unshift({
        branch: 'feature/x',
        account: 'development',
        profile: 'full',
        environment: 'feature-x',
        protected: true,
      }),
    );
    expect(() => parseConfig(own)).not.toThrow();
    // prod-x would be taken by prod/** in production, a different account.
    const otherAccount = editedConfig((c) =>
      c.rules.push({
        branch: 'demo',
        account: 'development',
        profile: 'full',
        environment: 'prod-x',
        protected: true,
      }),
    );
    expect(() => parseConfig(otherAccount)).not.toThrow();
  });

  it('accepts as baseline a fixed name or the name of a concrete branch rule', () => {
    expect(parseConfig(editedConfig((c) => (c.baseline = 'customer-facing'))).baseline).toBe(
      'customer-facing',
    );
    expect(repoConfig().baseline).toBe('sandbox');
  });

  it('fails with every problem at once, not the first', () => {
    const issues = issuesOf(
      editedConfig((c) => {
        c.rules[4].account = 'nowhere';
        c.rules[5].profile = 'nothing';
        c.rules[6].branch = '[';
      }),
    );
    expect(issues.map((i) => i.path)).toEqual([
      'rules[4].account',
      'rules[5].profile',
      'rules[6].branch',
    ]);
  });

  it('fails with the cross-check problems too when the schema fails, each at its JSON path', () => {
    const issues = issuesOf(
      editedConfig((c) => {
        c.accounts.development.id = '1234';
        c.rules[4].account = 'staging';
        c.defaults.profile = 'nope';
      }),
    );
    expect(issues).toEqual([
      { path: 'accounts.development.id', message: 'an AWS account id is 12 digits' },
      {
        path: 'rules[4].account',
        message: "unknown account 'staging'; known: development, production",
      },
      {
        path: 'defaults.profile',
        message: "unknown profile 'nope'; known: preview, full, production",
      },
    ]);
  });

  it('fails with a cross-check problem of a rule whose other field fails the schema', () => {
    const issues = issuesOf(
      editedConfig((c) => {
        c.rules[4].ttlHours = 'soon';
        c.rules[4].account = 'staging';
      }),
    );
    expect(issues.map((i) => i.path)).toEqual(['rules[4].ttlHours', 'rules[4].account']);
  });

  it('still checks fixed names and the baseline when a rule fails only in a field routing does not read', () => {
    const issues = issuesOf(
      editedConfig((c) => {
        c.rules[4].ttlHours = 'x';
        c.baseline = 'nothing';
      }),
    );
    expect(issues.map((i) => i.path)).toEqual(['rules[4].ttlHours', 'baseline']);
    expect(issues[1]?.message).toMatch(
      /^'nothing' is not an environment any rule is sure to produce/,
    );
  });

  it('checks neither when a rule fails in its branch, account or environment, or is not an object', () => {
    for (const edit of [
      (c: Record<string, any>) => (c.rules[4].branch = 7),
      (c: Record<string, any>) => (c.rules[4].account = 7),
      (c: Record<string, any>) => (c.rules[0].environment = 7),
      (c: Record<string, any>) => (c.rules[4] = 'feature/**'),
    ]) {
      const issues = issuesOf(editedConfig((c) => (edit(c), (c.baseline = 'nothing'))));
      expect(issues.map((i) => i.path)).not.toContain('baseline');
    }
  });

  it('fails once per problem: a field the schema rejects is not also reported as missing', () => {
    const issues = issuesOf(
      editedConfig((c) => {
        c.accounts.development.domain.name = 'Not A Domain';
        c.rules[4].profile = 'Preview';
        c.profiles.full.task.cpu = 300;
      }),
    );
    // Without the parse, the domain would look absent ("no domain" for every development rule),
    // rules[4] would look like it used the default profile, and the Fargate size check would run.
    expect(issues.map((i) => i.path)).toEqual([
      'accounts.development.domain.name',
      'profiles.full.task.cpu',
      'rules[4].profile',
    ]);
  });

  it('fails for a rule naming an inherited property as its account', () => {
    const issues = issuesOf(editedConfig((c) => (c.rules[4].account = 'constructor')));
    expect(issues.map((i) => i.path)).toEqual(['rules[4].account']);
  });

  it('fails with one message listing every problem and the command that checks the fix', () => {
    try {
      parseConfig(
        editedConfig((c) => ((c.rules[4].account = 'x'), (c.rules[5].account = 'y'))),
        'cfg.json',
      );
      expect.unreachable();
    } catch (e) {
      const err = e as ConfigError;
      expect(err.message).toBe(
        "cfg.json has 2 problems:\n  - rules[4].account: unknown account 'x'; known: development, production\n  - rules[5].account: unknown account 'y'; known: development, production",
      );
      expect(err.fix).toBe('edit cfg.json and run `branch-env config check` again');
    }
  });

  it('fails for invalid JSON at its line and column', () => {
    expect(() => parseConfigText('{\n  "app": "x",\n  "rules": [1,]\n}', 'x.json')).toThrow(
      /\(root\) \(line 3:15\): not valid JSON/,
    );
  });

  it('names a wrong type as a type, and the key meant by an unknown one, at line and column', () => {
    const text = JSON.stringify(
      editedConfig((c) => {
        c.profiles.full.task.cpu = '256';
        c.rules[4].ttlHour = 5;
      }),
      null,
      2,
    );
    let issues: readonly { path: string; message: string; line?: number }[] = [];
    try {
      parseConfigText(text, 'x.json');
    } catch (e) {
      issues = (e as ConfigError).issues;
    }
    const cpu = issues.find((i) => i.path === 'profiles.full.task.cpu');
    expect(cpu?.message).toMatch(/^expected a number, got a string \("256"\)/);
    expect(cpu?.line).toBe(text.split('\n').findIndex((l) => l.includes('"cpu": "256"')) + 1);
    const ttl = issues.find((i) => i.path === 'rules[4].ttlHour');
    expect(ttl?.message).toBe("unknown key; did you mean 'ttlHours'?");
    expect(ttl?.line).toBe(text.split('\n').findIndex((l) => l.includes('"ttlHour"')) + 1);
  });

  it('fails for invalid JSON with the parser position', () => {
    expect(() => parseConfigText('{ "app": ', 'x.json')).toThrow(
      /x\.json has 1 problem:\n {2}- \(root\) \(line 1:10\): not valid JSON: Unexpected end of JSON input/,
    );
  });
});
