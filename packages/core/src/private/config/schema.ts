import { z } from 'zod';
import { JobsSchema, ProfileServicesSchema, ServicesSchema, SiteSchema } from './services.js';
import { CdkAppSchema } from './cdk-app-checks.js';
import { SleepSchema } from './sleep.js';

/**
 * The one schema definition of `branch-env.config.json`. Parsing uses it directly; the JSON
 * Schema that the file's `$schema` points to is generated from it (`npm run schema`), and a test
 * fails when the committed copy is stale.
 *
 * Cross-references (a rule naming an unknown account, two rules fixing one name, ...) are checked
 * afterwards by the rules in `validate.ts`, which report every problem with its JSON path.
 */

const awsAccountId = z.string().regex(/^\d{12}$/, 'an AWS account id is 12 digits');
const awsRegion = z
  .string()
  .regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/, 'an AWS region such as us-east-1');
const roleArn = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/,
    'an IAM role ARN such as arn:aws:iam::111111111111:role/branch-env-deploy',
  );
const domainName = z
  .string()
  .max(200)
  .regex(
    /^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
    'a lowercase DNS name such as dev.example.com',
  );
const hostedZoneId = z
  .string()
  .regex(/^Z[A-Z0-9]{4,31}$/, 'a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ');
/** Names a person or a system types: config keys for accounts and profiles. */
const key = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,39}$/, 'lowercase letters, digits and -, starting with a letter');

const DomainSchema = z
  .strictObject({
    name: domainName.meta({
      description: 'Base domain; environments are served at <environment>.<name>.',
    }),
    hostedZoneId: hostedZoneId.meta({
      description: 'Route 53 hosted zone of `name`, imported by id (never looked up).',
    }),
  })
  .meta({ description: 'The DNS zone environments of this account are published in.' });

const availabilityZone = z
  .string()
  .regex(
    /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d[a-z]$/,
    'an availability zone name such as us-east-1a',
  );
const documentDbInstanceClass = z
  .string()
  .regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, 'an instance class such as db.t3.medium');

/**
 * The account platform (`branch-env bootstrap`, docs/platform.md): what profiles with
 * `isolation: "shared"` run on. Its outputs are published under `/<app>/_platform/`.
 */
export const PlatformSchema = z
  .strictObject({
    availabilityZones: z.array(availabilityZone).min(2).max(6).optional().meta({
      description:
        'Availability zones of the account\'s region the platform VPC spans (2-6), e.g. ["us-east-1a", "us-east-1b"]; required when a shared profile routes to the account (`aws ec2 describe-availability-zones --region <region>`).',
    }),
    natGateways: z.int().min(0).max(3).default(0).meta({
      description:
        'NAT gateways of the platform VPC; 0 runs tasks in public subnets behind locked-down security groups. @default 0',
    }),
    loadBalancers: z.int().min(1).max(5).default(1).meta({
      description:
        'Application Load Balancers sharing the environments (100 listener rules each). @default 1',
    }),
    databases: z
      .strictObject({
        documentdb: z
          .strictObject({
            instanceClass: documentDbInstanceClass
              .default('db.t3.medium')
              .meta({ description: '@default db.t3.medium' }),
            instances: z.int().min(1).max(16).default(1).meta({ description: '@default 1' }),
          })
          .optional()
          .meta({ description: 'A shared DocumentDB cluster.' }),
        auroraPostgres: z
          .strictObject({
            minCapacity: z.number().min(0).max(256).default(0).meta({ description: '@default 0' }),
            maxCapacity: z.number().min(1).max(256).default(2).meta({ description: '@default 2' }),
          })
          .optional()
          .meta({ description: 'A shared Aurora PostgreSQL Serverless v2 cluster.' }),
      })
      .optional()
      .meta({
        description:
          'Shared database clusters; a profile with `database.shared: true` gets a database and a user on one.',
      }),
  })
  .meta({
    description:
      'The account platform shared environments run on (VPC, ECS cluster, load balancers with a wildcard certificate and DNS, ECR, shared databases), created by `branch-env bootstrap`.',
  });

export const AccountSchema = z
  .strictObject({
    id: awsAccountId,
    region: awsRegion.meta({
      description: 'Region the environments of this account are deployed to.',
    }),
    deployRoleArn: roleArn.meta({
      description:
        'Role CI assumes through GitHub OIDC to deploy (created by `branch-env bootstrap`).',
    }),
    production: z.boolean().default(false).meta({
      description: 'Only branches of protected rules may resolve to a production account.',
    }),
    domain: DomainSchema.optional(),
    platform: PlatformSchema.optional(),
  })
  .meta({ description: 'An AWS account environments are deployed to.' });

const sharedDatabase = z.boolean().default(false).meta({
  description:
    "A database and a user on the account platform's cluster instead of a cluster of the environment's own (size fields are then the platform's). @default false",
});

const DocumentDbSchema = z.strictObject({
  engine: z.literal('documentdb'),
  instanceClass: documentDbInstanceClass
    .default('db.t3.medium')
    .meta({ description: 'DocumentDB instance class. @default db.t3.medium' }),
  instances: z.int().min(1).max(16).default(1).meta({ description: '@default 1' }),
  shared: sharedDatabase,
});

const AuroraPostgresSchema = z.strictObject({
  engine: z.literal('aurora-postgres'),
  minCapacity: z
    .number()
    .min(0)
    .max(256)
    .default(0)
    .meta({ description: 'Aurora Serverless v2 minimum ACU; 0 pauses when idle. @default 0' }),
  maxCapacity: z.number().min(1).max(256).default(2).meta({ description: '@default 2' }),
  autoPauseSeconds: z
    .int()
    .min(300)
    .max(86_400)
    .default(300)
    .meta({ description: 'Idle time before a 0-ACU cluster pauses. @default 300' }),
  shared: sharedDatabase,
});

const MongoContainerSchema = z.strictObject({
  engine: z.literal('mongodb-container'),
  image: z
    .string()
    .min(1)
    .default('public.ecr.aws/docker/library/mongo:7.0')
    .meta({ description: 'MongoDB image run as a sidecar of the service task (ephemeral data).' }),
});

const NoDatabaseSchema = z.strictObject({ engine: z.literal('none') });

export const DatabaseSchema = z
  .discriminatedUnion('engine', [
    DocumentDbSchema,
    AuroraPostgresSchema,
    MongoContainerSchema,
    NoDatabaseSchema,
  ])
  .meta({
    description:
      'documentdb: an Amazon DocumentDB cluster. aurora-postgres: Aurora PostgreSQL Serverless v2. ' +
      'mongodb-container: MongoDB in a sidecar container of the service task, data lost when the task is ' +
      'replaced (cheap previews). none: no database.',
  });

const httpsUrl = z.string().regex(/^https:\/\/[^\s]+$/, 'an https:// URL');
const cidr = z
  .string()
  .regex(
    /^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$|^[0-9a-f:]+\/\d{1,3}$/i,
    'a CIDR block such as 203.0.113.0/24',
  );

export const AccessSchema = z
  .discriminatedUnion('mode', [
    z.strictObject({ mode: z.literal('public') }),
    z.strictObject({
      mode: z.literal('cidr'),
      cidrs: z.array(cidr).min(1).max(4).meta({
        description:
          'Source CIDRs allowed (1-4: a listener rule has 5 condition values, one is the host); others get the platform 404.',
      }),
    }),
    z.strictObject({
      mode: z.literal('oidc'),
      issuer: httpsUrl,
      authorizationEndpoint: httpsUrl,
      tokenEndpoint: httpsUrl,
      userInfoEndpoint: httpsUrl,
      clientId: z.string().min(1),
      clientSecretArn: z
        .string()
        .regex(
          /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+$/,
          'the ARN of a Secrets Manager secret (the client secret is never written in the config)',
        )
        .meta({ description: 'Secrets Manager secret holding the OIDC client secret.' }),
      clientSecretField: z.string().min(1).optional().meta({
        description: 'JSON key of the client secret when the secret is a JSON object.',
      }),
    }),
  ])
  .meta({
    description:
      'Who may reach a shared environment on the platform load balancer: public, a CIDR allow-list (source-ip condition), or sign-in through an OIDC identity provider (authenticate-oidc). Shared profiles only. @default { mode: public }',
  });

/** `one of 1, 2 or 3`: the message of a field that takes one of a few values. */
function oneOf(values: readonly number[], what: string): string {
  return `${what}: one of ${values.slice(0, -1).join(', ')} or ${values.at(-1)}`;
}

/** The CPU units a Fargate task may have. */
const FARGATE_CPU = [256, 512, 1024, 2048, 4096] as const;

const TaskSchema = z
  .strictObject({
    cpu: z
      .union(
        FARGATE_CPU.map((c) => z.literal(c)),
        { error: oneOf(FARGATE_CPU, 'Fargate task CPU units') },
      )
      .default(256)
      .meta({ description: 'Fargate task CPU units. @default 256' }),
    memoryMiB: z.int().min(512).max(30_720).default(512).meta({ description: '@default 512' }),
    architecture: z
      .enum(['arm64', 'x86_64'])
      .default('arm64')
      .meta({ description: '@default arm64' }),
    spot: z.boolean().default(false).meta({
      description:
        'Run tasks on Fargate Spot (up to 70% cheaper, may be interrupted). @default false',
    }),
    minTasks: z.int().min(0).max(100).default(1).meta({ description: '@default 1' }),
    maxTasks: z.int().min(1).max(100).default(2).meta({ description: '@default 2' }),
  })
  .meta({ description: 'The ECS Fargate service task size and scaling.' });

/** CloudWatch Logs accepts only these retention periods (days). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
] as const;

export const ProfileSchema = z
  .strictObject({
    description: z.string().optional(),
    isolation: z.enum(['shared', 'dedicated']).default('dedicated').meta({
      description:
        'shared: a thin stack on the account platform (its VPC, cluster, load balancer, wildcard certificate and DNS); dedicated: the environment builds all of its own. Production stays dedicated. @default dedicated',
    }),
    access: AccessSchema.default({ mode: 'public' }),
    sleep: SleepSchema.optional(),
    database: DatabaseSchema.default({ engine: 'none' }),
    natGateways: z.int().min(0).max(3).default(0).meta({
      description:
        'NAT gateways; 0 puts tasks in public subnets behind locked-down security groups. @default 0',
    }),
    cloudfront: z.boolean().default(true).meta({ description: '@default true' }),
    webAclArn: z
      .string()
      .regex(
        /^arn:aws:wafv2:us-east-1:\d{12}:global\/webacl\/[\w-]{1,128}\/[0-9a-f-]{36}$/,
        'must be the ARN of a CloudFront-scope AWS WAF web ACL: arn:aws:wafv2:us-east-1:<account>:global/webacl/<name>/<id>',
      )
      .optional()
      .meta({
        description:
          'AWS WAF web ACL (CloudFront scope, us-east-1) attached to the distribution; branch-env creates none ($5/month + $1 per rule). @default none',
      }),
    customDomain: z.boolean().default(true).meta({
      description:
        'Publish <environment>.<domain> with ACM certificates, on CloudFront when it is on, else on the load balancer. @default true',
    }),
    task: TaskSchema.default({
      cpu: 256,
      memoryMiB: 512,
      architecture: 'arm64',
      spot: false,
      minTasks: 1,
      maxTasks: 2,
    }),
    logRetentionDays: z
      .union(
        LOG_RETENTION_DAYS.map((d) => z.literal(d)),
        { error: oneOf(LOG_RETENTION_DAYS, 'CloudWatch Logs retention in days') },
      )
      .default(7)
      .meta({ description: 'CloudWatch Logs retention. @default 7' }),
    multiAz: z
      .boolean()
      .default(false)
      .meta({ description: 'Spread the database over two AZs. @default false' }),
    containerInsights: z.boolean().default(false).meta({ description: '@default false' }),
    backups: z
      .strictObject({
        retentionDays: z.int().min(1).max(35).default(1),
      })
      .default({ retentionDays: 1 })
      .meta({ description: 'Automated database backups. @default { retentionDays: 1 }' }),
    services: ProfileServicesSchema.optional(),
  })
  .meta({ description: 'A named set of knobs the CDK library builds an environment from.' });

export const RuleSchema = z
  .strictObject({
    branch: z
      .string()
      .min(1)
      .meta({
        description:
          'Branch pattern: `*` matches within one path segment, `**` across segments, `?` one character, ' +
          '`[0-9]` a class. Or a regular expression written /like-this/.',
      }),
    account: key.meta({ description: 'Key of an entry in `accounts`.' }),
    profile: key
      .optional()
      .meta({ description: 'Key of an entry in `profiles`. @default defaults.profile' }),
    ttlHours: z
      .number()
      .positive()
      .max(24 * 365)
      .nullable()
      .optional()
      .meta({
        description:
          'Hours after the last deploy when the environment expires; null for none. @default defaults.ttlHours (null when protected)',
      }),
    protected: z.boolean().default(false).meta({
      description:
        'Protected environments keep data on destroy, never expire, and may use production accounts.',
    }),
    environment: z.string().optional().meta({
      description: 'A fixed environment name for this rule, e.g. main -> customer-facing.',
    }),
    allow: z.array(z.string().min(1)).min(1).optional().meta({
      description:
        'The only branches this rule gives an environment, e.g. ["qa1", "qa2"]; resolve, the action and deploy refuse any other branch the pattern matches. A protected pattern rule in a non-production account needs allow or maxEnvironments. @default every branch the pattern matches',
    }),
    maxEnvironments: z.int().min(1).max(100).optional().meta({
      description:
        'At most this many environments of this rule at once (in its account); deploy refuses to create one more. A protected pattern rule in a non-production account needs allow or maxEnvironments. @default no limit',
    }),
    sync: z.boolean().optional().meta({
      description:
        "Merge the default branch into this rule's branches on the long-lived sync schedule. @default true for protected rules without ** in a non-production account, false otherwise: production branches are never pushed to unless a rule opts in",
    }),
    description: z.string().optional(),
  })
  .meta({ description: 'Routing rule; the first rule whose pattern matches a branch wins.' });

export const ConfigSchema = z
  .strictObject({
    $schema: z.string().optional(),
    app: z
      .string()
      .regex(
        /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/,
        '2-32 lowercase letters, digits and -, starting with a letter',
      )
      .regex(
        /^(?!aws|ssm)/,
        "may not start with 'aws' or 'ssm': SSM refuses parameter names /aws… and /ssm…, and /<app>/ is the config bus root; rename it (e.g. 'my-aws-app')",
      )
      .meta({
        description:
          'Application name: the SSM root /<app>/<environment>/ and the stack name prefix.',
      }),
    accounts: z.record(key, AccountSchema).meta({ description: 'Accounts by key.' }),
    profiles: z.record(key, ProfileSchema).meta({ description: 'Profiles by key.' }),
    defaults: z
      .strictObject({
        profile: key.meta({ description: 'Profile of rules that name none.' }),
        ttlHours: z
          .number()
          .positive()
          .max(24 * 365)
          .nullable()
          .default(72)
          .meta({ description: 'TTL of unprotected rules that set none. @default 72' }),
      })
      .meta({ description: 'Values of rules that leave them out.' }),
    rules: z.array(RuleSchema).min(1).meta({ description: 'Ordered routing rules.' }),
    baseline: z.string().optional().meta({
      description:
        'Environment that service discovery falls back to when a branch does not run a service, in the same account (e.g. sandbox).',
    }),
    services: ServicesSchema.optional(),
    jobs: JobsSchema.optional(),
    site: SiteSchema.optional(),
    cdk: CdkAppSchema.optional(),
  })
  .meta({ title: 'branch-env configuration', description: 'branch-env.config.json' });

/** The configuration file as written (defaults not yet applied). */
export type ConfigInput = z.input<typeof ConfigSchema>;
/** The configuration after parsing: every default applied. */
export type Config = z.output<typeof ConfigSchema>;
export type Account = z.output<typeof AccountSchema>;
export type Platform = z.output<typeof PlatformSchema>;
export type Isolation = Profile['isolation'];
export type Access = z.output<typeof AccessSchema>;
export type Profile = z.output<typeof ProfileSchema>;
export type Rule = z.output<typeof RuleSchema>;
export type Database = z.output<typeof DatabaseSchema>;
export type DatabaseEngine = Database['engine'];

/** The JSON Schema the config file's `$schema` points to. */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(ConfigSchema, { io: 'input', target: 'draft-2020-12' }) as Record<
    string,
    unknown
  >;
}
