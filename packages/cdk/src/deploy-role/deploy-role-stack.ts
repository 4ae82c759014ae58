import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import {
  classesOf,
  classRoles,
  classScopes,
  GITHUB_OIDC,
  oidcTrust,
  trustConditions,
  type ClassRoles,
  type ProtectionClass,
  UserError,
  type Config,
  type OidcTrust,
} from '@branch-env/core';
import type { Construct } from 'constructs';
import { acknowledgeDeployRolePolicy } from '../compliance/acknowledgements.js';
import {
  boundaryStatements,
  deployStatements,
  executionStatements,
  type ClassPolicyContext,
} from './class-policies.js';

/** One protection class's roles, policies and trust in the stack. */
export interface DeployClass {
  /** The OIDC role CI assumes. */
  readonly role: iam.Role;
  readonly policy: iam.Policy;
  /** CloudFormation's service role for the class's stacks. */
  readonly executionRole: iam.Role;
  readonly executionPolicy: iam.Policy;
  readonly boundary: iam.ManagedPolicy;
  readonly trust: OidcTrust;
  readonly roles: ClassRoles;
}

/** The region CloudFront certificates must live in; environments with CloudFront deploy there too. */
const CERTIFICATE_REGION = 'us-east-1';

export interface DeployRoleStackProps extends StackProps {
  readonly config: Config;
  /** Key of the account in `config.accounts`; the stack deploys into that account and region. */
  readonly account: string;
  /** `owner/repo` whose workflows may assume the role. */
  readonly repository: string;
  /** Default branch of the repository (delete/schedule runs carry its ref). @default 'main' */
  readonly defaultBranch?: string;
  /**
   * GitHub environments (with required reviewers and deployment-branch policies) through which a
   * production account deploys: its role then trusts only `repo:<owner>/<repo>:environment:<name>`,
   * none of the production branches, so no job can skip the reviewers. Ignored for non-production
   * accounts (see `oidcTrust()`).
   * @default ['production']
   */
  readonly githubEnvironments?: readonly string[];
  /**
   * UNSAFE: let a production role trust the production branches instead of a reviewed GitHub
   * environment (see `OidcTrustOptions.unsafeProductionBranchTrust`).
   * @default false
   */
  readonly unsafeProductionBranchTrust?: boolean;
  /**
   * ARN of the account's existing GitHub OIDC provider. IAM allows one provider per URL and
   * account, so an account that already has one imports it instead of creating it.
   * @default - the stack creates the provider (and retains it on stack deletion)
   */
  readonly existingOidcProviderArn?: string;
  /** CDK bootstrap qualifier of the account. @default 'hnb659fds' */
  readonly qualifier?: string;
  /** Longest session a workflow may request (CloudFront deploys and deletes can pass an hour). @default Duration.hours(4) */
  readonly maxSessionDuration?: Duration;
}

/** `arn:aws:iam::<id>:role/<path><name>` split into what `iam.Role` takes. */
export function roleNameOf(roleArn: string, accountId: string): { roleName: string; path: string } {
  const m = /^arn:aws[a-z-]*:iam::(\d{12}):role(\/(?:[\w+=,.@-]+\/)*)([\w+=,.@-]{1,64})$/.exec(
    roleArn,
  );
  if (!m) {
    throw new UserError(
      `deployRoleArn '${roleArn}' is not an IAM role ARN with a name of at most 64 characters`,
      'set accounts.<key>.deployRoleArn to arn:aws:iam::<account-id>:role/branch-env-deploy',
    );
  }
  if (m[1] !== accountId) {
    throw new UserError(
      `deployRoleArn '${roleArn}' is in account ${m[1]}, but the account's id is ${accountId}`,
      `use a role of account ${accountId} in accounts.<key>.deployRoleArn`,
    );
  }
  return { path: m[2] as string, roleName: m[3] as string };
}

/**
 * One account's GitHub OIDC provider and the deploy role the workflows assume. The trust policy's
 * `sub` conditions are generated from the routing rules (`oidcTrust()` of core): a production
 * account trusts exactly its protected branch patterns (or, given `githubEnvironments`, only jobs of
 * those environments) and never pull-request runs. The role can
 * do little by itself: assume the CDK bootstrap roles (which deploy), and the cleanup `branch-env
 * destroy` and `reap` do directly (config bus, tag scan, emptying the app's buckets and registries,
 * deleting its log groups and stacks through their CloudFormation service role).
 */
export class DeployRoleStack extends Stack {
  /** The protected class's OIDC role (the only one when the account has one class). */
  readonly role: iam.Role;
  /** That role's permissions. */
  readonly policy: iam.Policy;
  readonly provider: iam.IOidcProvider;
  /** That role's trust. */
  readonly trust: OidcTrust;
  /** Every class of the account (production: protected only; development: both). */
  readonly classes: Partial<Record<ProtectionClass, DeployClass>>;
  readonly accountKey: string;

  constructor(scope: Construct, id: string, props: DeployRoleStackProps) {
    const account = props.config.accounts[props.account];
    if (!account) {
      throw new UserError(
        `no account '${props.account}' in the config`,
        `pass one of: ${Object.keys(props.config.accounts).join(', ')}`,
      );
    }
    super(scope, id, {
      stackName: props.stackName ?? `${props.config.app}-github-deploy-role`,
      description:
        props.description ??
        `branch-env: GitHub OIDC deploy role of ${props.repository} in ${props.account}`,
      synthesizer: props.synthesizer,
      tags: props.tags,
      terminationProtection: props.terminationProtection ?? true,
      env: { account: account.id, region: account.region },
    });
    this.accountKey = props.account;
    const app = props.config.app;
    const qualifier = props.qualifier ?? 'hnb659fds';

    if (props.existingOidcProviderArn) {
      this.provider = iam.OidcProviderNative.fromOidcProviderArn(
        this,
        'GitHubOidcProvider',
        props.existingOidcProviderArn,
      );
    } else {
      const provider = new iam.OidcProviderNative(this, 'GitHubOidcProvider', {
        url: GITHUB_OIDC.url,
        clientIds: [GITHUB_OIDC.audience],
      });
      // Other roles of the account may use the provider: deleting this stack must not remove it.
      provider.applyRemovalPolicy(RemovalPolicy.RETAIN);
      this.provider = provider;
    }

    const regions = [...new Set([account.region, CERTIFICATE_REGION])];
    const partition = /^arn:(aws[a-z-]*):/.exec(account.deployRoleArn)?.[1] ?? 'aws';
    const classes = classesOf(props.config, props.account);
    const allRoles = classes.map((c) => classRoles(account, c));
    // Refuses unprotected rules whose names could reach protected or reserved environments.
    const scopes = classScopes(props.config, props.account);
    this.classes = {};
    for (const [i, protectionClass] of classes.entries()) {
      const roles = allRoles[i] as ClassRoles;
      const ctx: ClassPolicyContext = {
        app,
        partition,
        accountId: account.id,
        regions,
        qualifier,
        protectionClass,
        roles,
        allRoles,
        scopes,
        domain: account.domain,
      };
      const suffix = protectionClass === 'protected' ? '' : 'Unprotected';
      const trust = oidcTrust(props.config, {
        repository: props.repository,
        account: props.account,
        defaultBranch: props.defaultBranch,
        protectionClass,
        githubEnvironments: account.production ? props.githubEnvironments : undefined,
        unsafeProductionBranchTrust: props.unsafeProductionBranchTrust,
      });
      const boundary = new iam.ManagedPolicy(this, `PermissionsBoundary${suffix}`, {
        managedPolicyName: roleNameOf(
          roles.permissionsBoundaryArn.replace(':policy/', ':role/'),
          account.id,
        ).roleName,
        description: `branch-env: permissions boundary of the ${protectionClass} class's roles and every role its stacks create`,
        statements: boundaryStatements(ctx),
      });
      const oidc = roleNameOf(roles.deployRoleArn, account.id);
      const role = new iam.Role(this, `DeployRole${suffix}`, {
        roleName: oidc.roleName,
        path: oidc.path,
        description: `branch-env ${protectionClass} deploy role for ${props.repository} (${props.account}); trust generated from the routing rules`,
        maxSessionDuration: props.maxSessionDuration ?? Duration.hours(4),
        assumedBy: new iam.WebIdentityPrincipal(
          this.provider.oidcProviderArn,
          trustConditions(trust),
        ),
        permissionsBoundary: boundary,
      });
      // The environment stacks' synthesizer names this role as their deploy and publishing role
      // (deployment.ts): the toolkit switches to it from itself, which IAM allows only when the
      // trust says so. Same account, same role: no permission is gained.
      role.assumeRolePolicy?.addStatements(
        new iam.PolicyStatement({
          sid: 'ItselfForTheCdkToolkit',
          actions: ['sts:AssumeRole', 'sts:TagSession'],
          principals: [new iam.ArnPrincipal(`arn:${partition}:iam::${account.id}:root`)],
          conditions: { ArnEquals: { 'aws:PrincipalArn': roles.deployRoleArn } },
        }),
      );
      const policy = new iam.Policy(this, `DeployPolicy${suffix}`, {
        statements: deployStatements(ctx),
      });
      policy.attachToRole(role);
      const exec = roleNameOf(roles.executionRoleArn, account.id);
      const executionRole = new iam.Role(this, `ExecutionRole${suffix}`, {
        roleName: exec.roleName,
        path: exec.path,
        description: `branch-env: CloudFormation's role for the ${protectionClass} class's stacks (scoped, no administrator)`,
        assumedBy: new iam.ServicePrincipal('cloudformation.amazonaws.com'),
        permissionsBoundary: boundary,
      });
      const executionPolicy = new iam.Policy(this, `ExecutionPolicy${suffix}`, {
        statements: executionStatements(ctx),
      });
      executionPolicy.attachToRole(executionRole);
      for (const p of [policy, executionPolicy, boundary]) acknowledgeDeployRolePolicy(p);
      this.classes[protectionClass] = {
        role,
        policy,
        executionRole,
        executionPolicy,
        boundary,
        trust,
        roles,
      };
      new CfnOutput(this, `RoleArn${suffix}`, {
        value: role.roleArn,
        description:
          protectionClass === 'protected'
            ? `accounts.${props.account}.deployRoleArn in branch-env.config.json`
            : "the unprotected environments' deploy role (derived from deployRoleArn)",
      });
    }
    const main = this.classes.protected ?? this.classes.unprotected;
    if (!main) throw new Error('bug: an account with rules has a class');
    this.role = main.role;
    this.policy = main.policy;
    this.trust = main.trust;

    new CfnOutput(this, 'OidcProviderArn', { value: this.provider.oidcProviderArn });
  }
}
