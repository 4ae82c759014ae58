import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, Stack, type RemovalPolicy } from 'aws-cdk-lib';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { CONFIG_BUS } from '@branch-env/core';
import { Construct } from 'constructs';
import { esbuildCode } from '../private/esbuild-code.js';

/** dist/web/site-server: the compiled handler esbuild bundles (it ships in the package). */
const SITE_SERVER_DIR = join(dirname(fileURLToPath(import.meta.url)), 'site-server');

/** Where the site server's objects come from. */
export type SiteServerSource =
  /** One environment's own site bucket (a dedicated environment's load balancer). */
  | { readonly kind: 'bucket'; readonly bucket: s3.IBucket }
  /**
   * The site bucket of the environment the host `<env>.<domain>` names, read from its config-bus
   * parameter (the account platform's load balancers). Each environment's bucket policy lets the
   * server's role read it; the role itself has no S3 permission.
   */
  | { readonly kind: 'config-bus'; readonly app: string; readonly domain: string };

export interface SiteServerProps {
  readonly source: SiteServerSource;
  readonly logRetentionDays: number;
  /** Of the log group. */
  readonly removalPolicy: RemovalPolicy;
  /**
   * Memory of the function (MiB): more memory is more CPU, for base64 and TLS.
   * @default 256
   */
  readonly memorySize?: number;
}

/**
 * A static-site server for an Application Load Balancer: a Node.js Lambda (arm64) as the target
 * of a listener's default action, answering from S3 (site-server/: the path's object, `index.html`
 * for directories, the SPA's `/index.html` for extension-less paths, Content-Type and caching by
 * file, HEAD and If-None-Match, objects over ~700 KB as a redirect to a presigned URL). No cost
 * while idle. Its role may write its own log group and, by source: read its one bucket, or read
 * the environments' site-bucket parameters (`/<app>/<env>/storage/site-bucket`) and nothing else.
 */
export class SiteServer extends Construct {
  readonly source: SiteServerSource;
  readonly function: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  private readonly invokePermission: lambda.CfnPermission;

  constructor(scope: Construct, id: string, props: SiteServerProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const source = props.source;
    this.source = source;
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetentionDays as logs.RetentionDays,
      removalPolicy: props.removalPolicy,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description:
        source.kind === 'bucket'
          ? 'branch-env site server: reads its environment site bucket'
          : `branch-env ${source.app} platform site server: reads the site buckets that grant it`,
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'Logs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [`${this.logGroup.logGroupArn}:*`],
      }),
    );
    const siteBucketKey = CONFIG_BUS.siteBucket.key;
    if (source.kind === 'bucket') {
      this.role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'SiteObjects',
          actions: ['s3:GetObject'],
          resources: [source.bucket.arnForObjects('*')],
        }),
      );
      // A missing object is then a 404 (NoSuchKey), not a 403.
      this.role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'SiteListing',
          actions: ['s3:ListBucket'],
          resources: [source.bucket.bucketArn],
        }),
      );
    } else {
      this.role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'SiteBucketParameters',
          actions: ['ssm:GetParameter'],
          resources: [
            `arn:${stack.partition}:ssm:${stack.region}:${stack.account}:parameter/${source.app}/*/${siteBucketKey}`,
          ],
        }),
      );
    }
    this.function = new lambda.Function(this, 'Function', {
      description:
        source.kind === 'bucket'
          ? 'branch-env: serves the environment static site from its site bucket (load balancer default action)'
          : `branch-env ${source.app}: serves each shared environment static site on <env>.${source.domain} (platform load balancers default action)`,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      // The AWS SDK included: the presigner is not certain to be in the runtime's copy.
      code: esbuildCode(SITE_SERVER_DIR, 'handler', { external: [] }),
      memorySize: props.memorySize ?? 256,
      timeout: Duration.seconds(10),
      role: this.role,
      logGroup: this.logGroup,
      environment:
        source.kind === 'bucket'
          ? { SITE_BUCKET: source.bucket.bucketName }
          : {
              APP: source.app,
              DOMAIN: source.domain,
              SITE_BUCKET_KEY: siteBucketKey,
              CACHE_SECONDS: '60',
            },
    });
    // Load balancers invoke it from target groups of this account and region only (the target
    // group's own ARN would be a cycle: the group registers the function after this permission).
    this.invokePermission = new lambda.CfnPermission(this, 'LoadBalancerInvoke', {
      action: 'lambda:InvokeFunction',
      functionName: this.function.functionArn,
      principal: 'elasticloadbalancing.amazonaws.com',
      sourceAccount: stack.account,
      sourceArn: `arn:${stack.partition}:elasticloadbalancing:${stack.region}:${stack.account}:targetgroup/*`,
    });
  }

  /**
   * A target group of this server for one load balancer's listener (a Lambda may be the target of
   * several): Lambda target groups have no health check by default and cost nothing.
   */
  addTargetGroup(id: string): elbv2.ApplicationTargetGroup {
    const fn = this.function;
    const group = new elbv2.ApplicationTargetGroup(this, id, {
      targetType: elbv2.TargetType.LAMBDA,
      targets: [
        {
          attachToApplicationTargetGroup: () => ({
            targetType: elbv2.TargetType.LAMBDA,
            targetJson: { id: fn.functionArn },
          }),
        },
      ],
    });
    // Registering the function needs the load balancer's permission to invoke it first.
    group.node.addDependency(this.invokePermission);
    return group;
  }
}
