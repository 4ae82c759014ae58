import { createRequire } from 'node:module';
import { App } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeployRoleStack } from '../src/deploy-role/deploy-role-stack.js';
import { PlatformStack } from '../src/platform/platform-stack.js';
import { join } from 'node:path';
import {
  multiServiceConfig,
  removeOutdirs,
  synthesize,
  testConfig,
  type Template,
} from './helpers.js';

/**
 * An independent check of every template we deploy: AWS's own offline CloudFormation validator
 * (`@aws/cloudformation-validate`, bundled with aws-cdk-lib: the registry's provider schemas with
 * patterns, lengths and enums, plus the cfn-lint rules such as E3047 Fargate CPU/memory or E3620
 * DocumentDB instance classes). aws-cdk-lib's own synth-time validation is off in these tests
 * (`validate: false`), so this is the only schema check they run. It does not know the
 * identifier rules the schemas leave out (DocumentDB's "no two consecutive hyphens"):
 * the physical-name rules in core and their property tests cover those.
 */
interface Diagnostic {
  readonly ruleId: string;
  readonly severity: 'FATAL' | 'ERROR' | 'WARN' | 'INFO' | 'DEBUG';
  readonly message: string;
  readonly entity?: { readonly logicalId: string; readonly resourceType?: string };
  readonly propertyPath?: string;
}
interface Engine {
  validateTemplate(
    template: unknown,
    config?: {
      severityLevel?: Diagnostic['severity'];
      pseudoParameterOverrides?: { accountId?: string; region?: string; stackName?: string };
    },
  ): { diagnostics: Diagnostic[] };
  free(): void;
}
interface Validate {
  CompositeEngine: new () => Engine;
  TemplateContent: new (content: string, name?: string) => unknown;
  version(): string;
}
const validate = createRequire(createRequire(import.meta.url).resolve('aws-cdk-lib/package.json'))(
  '@aws/cloudformation-validate',
) as Validate;

let engine: Engine;
beforeAll(() => {
  engine = new validate.CompositeEngine();
});
afterAll(() => {
  engine.free();
  removeOutdirs();
});

/** ERROR and FATAL findings, one line each (`rule logicalId property: message`). */
function errorsOf(
  name: string,
  template: unknown,
  env: { account?: string; region?: string } = {},
): string[] {
  const report = engine.validateTemplate(
    new validate.TemplateContent(JSON.stringify(template), name),
    {
      severityLevel: 'ERROR',
      pseudoParameterOverrides: { accountId: env.account, region: env.region, stackName: name },
    },
  );
  return report.diagnostics
    .filter((d) => d.severity === 'ERROR' || d.severity === 'FATAL')
    .map((d) =>
      `${d.ruleId} ${d.entity?.logicalId ?? '-'} ${d.propertyPath ?? ''}: ${d.message}`.trim(),
    );
}

/** One branch per profile and variant, a hashed name among them. */
const BRANCHES = [
  'feature/new-login', // preview: Spot, MongoDB sidecar, no NAT, no CloudFront
  'full/new-search', // full, unprotected
  'sandbox', // full, protected
  'main', // production, protected, explicit environment name
  'hotfix/JIRA-123', // production with a hashed name (`--` inside)
  'aurora/x', // Aurora Serverless v2 at 0 ACU
  'bare/x', // no database, CloudFront without a custom domain
  'europe/x', // full in eu-west-1: the SSM + AwsCustomResource certificate path
  'shared/x', // a thin environment on the account platform (listener rule, service, no VPC)
];

describe('AWS CloudFormation validator (offline) over every synthesized template', () => {
  it('catches a broken template (the check can fail)', () => {
    const broken = {
      Resources: {
        Task: {
          Type: 'AWS::ECS::TaskDefinition',
          Properties: {
            RequiresCompatibilities: ['FARGATE'],
            NetworkMode: 'awsvpc',
            Cpu: '256',
            Memory: '4096', // 256 CPU allows 512–2048 only (E3047)
            ContainerDefinitions: [{ Name: 'x', Image: 'x' }],
          },
        },
        Bucket: { Type: 'AWS::S3::Bucket', Properties: { NoSuchProperty: true } },
      },
    };
    expect(errorsOf('broken', broken).sort()).toEqual([
      "E3047 Task Properties.Cpu: Cpu '256' is not compatible with Memory '4096' for Fargate",
      "F3002 Bucket Properties.NoSuchProperty: Additional properties are not allowed ('NoSuchProperty' was unexpected)",
    ]);
  });

  for (const branch of BRANCHES) {
    it(`${branch}: every stack validates with no error`, () => {
      const synthesized = synthesize(branch);
      const names = Object.keys(synthesized.templates);
      expect(names).toContain(synthesized.environment.stacks.main);
      for (const [name, template] of Object.entries(synthesized.templates)) {
        const stack = synthesized.stacks.find((s) => s.stackName === name);
        const errors = errorsOf(name, template satisfies Template, {
          account: stack?.account,
          region: stack?.region,
        });
        expect(errors, name).toEqual([]);
      }
    });
  }

  for (const branch of ['full/multi', 'shared/multi']) {
    it(`${branch}: an app of four services (routed, internal, worker) and two jobs validates with no error`, () => {
      const synthesized = synthesize(
        branch,
        {
          serviceImage: undefined,
          configDirectory: join(import.meta.dirname, 'fixtures'),
          siteDirectory: null,
        },
        multiServiceConfig(),
      );
      for (const [name, template] of Object.entries(synthesized.templates)) {
        const stack = synthesized.stacks.find((s) => s.stackName === name);
        const errors = errorsOf(name, template satisfies Template, {
          account: stack?.account,
          region: stack?.region,
        });
        expect(errors, name).toEqual([]);
      }
    }, 240_000);
  }

  it('the account platform stack (bootstrap) validates with no error, with two load balancers, NAT and both shared database clusters', () => {
    const config = structuredClone(testConfig());
    const account = config.accounts.development!;
    const platform = {
      ...account.platform!,
      natGateways: 1,
      loadBalancers: 2,
      databases: {
        documentdb: { instanceClass: 'db.t3.medium', instances: 1 },
        auroraPostgres: { minCapacity: 0, maxCapacity: 2 },
      },
    };
    const app = new App();
    const stack = new PlatformStack(app, 'Platform', {
      app: config.app,
      account: { key: 'development', ...account, platform },
      services: ['api', 'worker'],
      servicePorts: [8080, 9000],
    });
    const template = app.synth().getStackArtifact(stack.artifactId).template as unknown;
    expect(
      errorsOf(stack.stackName, template, { account: account.id, region: account.region }),
    ).toEqual([]);
  }, 240_000);

  it('a shared environment on the shared Aurora cluster validates with no error', () => {
    const config = testConfig();
    config.accounts.development!.platform!.databases = {
      auroraPostgres: { minCapacity: 0, maxCapacity: 2 },
    };
    config.profiles['preview-shared'] = {
      ...config.profiles['preview-shared']!,
      database: {
        engine: 'aurora-postgres',
        minCapacity: 0,
        maxCapacity: 2,
        autoPauseSeconds: 300,
        shared: true,
      },
    };
    const synthesized = synthesize('shared/on-db', {}, config);
    const stack = synthesized.stacks[0]!;
    expect(
      errorsOf(stack.stackName, synthesized.main, { account: stack.account, region: stack.region }),
    ).toEqual([]);
  });

  it('the deploy-role (bootstrap) stacks of both accounts validate with no error', () => {
    const config = testConfig();
    const app = new App();
    const stacks = (['development', 'production'] as const).map(
      (account) =>
        new DeployRoleStack(app, `DeployRole-${account}`, {
          config,
          account,
          repository: 'acme/shop',
        }),
    );
    const assembly = app.synth();
    for (const stack of stacks) {
      const template = assembly.getStackArtifact(stack.artifactId).template as unknown;
      expect(errorsOf(stack.stackName, template), stack.stackName).toEqual([]);
    }
    // Constructing the deploy-role stacks takes ~9 s alone; on a shared, loaded machine far more.
  }, 240_000);
});
