import { existsSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { App, Tags, Validations, type Stack } from 'aws-cdk-lib';
import {
  allocateListenerRules,
  catchAllService,
  CLOUDFRONT_CERTIFICATE_REGION as CERTIFICATE_REGION,
  ENVIRONMENT_CONTEXT,
  routedServiceCount,
  SAMPLE_SERVICE,
  type ResolvedEnvironment,
} from '@branch-env/core';
import { AwsSolutionsChecks } from 'cdk-nag';
import { acknowledgeCertificateStack } from '../compliance/acknowledgements.js';
import { CertificateStack } from '../domain/certificate-stack.js';
import {
  EnvironmentStack,
  type CloudFrontCertificateSource,
} from '../environment-stack/environment-stack.js';
import { HelperResourceTags } from '../private/helper-resource-tags.js';
import { dockerImage } from '../private/paths.js';
import { physicalNames } from '../private/physical-names.js';
import { platformImages, primaryPlatformImage } from './platform-images.js';
import type { ServiceImage } from '../service/service.js';
import { applyPermissionsBoundary, environmentSynthesizer } from '../deploy-role/deployment.js';
import {
  SharedEnvironmentStack,
  type ListenerRulePlacement,
} from '../shared-environment/shared-environment-stack.js';

/** Leave the cloud assembly directory out of the image context when it lies inside it. */
function withoutOutdir(image: ServiceImage, outdir: string): ServiceImage {
  const inside = relative(resolve(image.directory), resolve(outdir));
  if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) return image;
  const exclude = image.exclude ?? ['**/node_modules', '**/cdk.out', '.git'];
  return { ...image, exclude: [...exclude, inside.split(sep).join('/')] };
}

/** CDK context key of a shared environment's listener-rule placement (`{ loadBalancer, priority }`). */
export const LISTENER_RULE_CONTEXT = ENVIRONMENT_CONTEXT.listenerRule;

/** The region CloudFront reads certificates from. */
export const CLOUDFRONT_CERTIFICATE_REGION = CERTIFICATE_REGION;

export interface EnvironmentAppProps {
  /** The environment, from `resolveEnvironment()` of `@branch-env/core`. */
  readonly environment: ResolvedEnvironment;
  /**
   * Commit SHA the service runs.
   * @default 'unknown'
   */
  readonly commit?: string;
  /**
   * Tag of the images in the platform's repositories (accounts with a platform, docs/images.md).
   * @default `commit`
   */
  readonly imageTag?: string;
  /**
   * Cloud assembly directory.
   * @default - `CDK_OUTDIR` when run by the CDK CLI, else a fresh temporary directory
   */
  readonly outdir?: string;
  /**
   * aws-cdk-lib's built-in CloudFormation template validation at synth (~2.5 s per app).
   * @default true
   */
  readonly validate?: boolean;
  /**
   * Run cdk-nag AwsSolutions at synth (acknowledgements in compliance/acknowledgements.ts).
   * @default true
   */
  readonly nag?: boolean;
  /**
   * The primary service's image, built as a CDK image asset (given here, it is one even on an
   * account with a platform).
   * @default the config's primary service's build: on an account with a platform the commit's
   * image in the platform's repository (`imageTag`, docs/images.md), else a CDK image asset
   * (context relative to `configDirectory`); a placeholder for a prebuilt image
   */
  readonly serviceImage?: ServiceImage;
  /**
   * Built static site; `null` for none.
   * @default the config's `site.directory` (relative to `configDirectory`) when it has been built,
   * else none
   */
  readonly siteDirectory?: string | null;
  /**
   * The stacks do not exist yet (`deploy` knows): create them with termination protection and
   * database deletion protection off, and the service's task count set, so a first create that
   * fails rolls back and can be retried. `deploy` deploys again without it once the create
   * succeeded, which turns protection on.
   * @default false
   */
  readonly firstCreate?: boolean;
  /**
   * A shared environment's place on the platform listener, as `branch-env deploy` claimed it.
   * @default - the CDK context `branch-env:listener-rule` ({ loadBalancer, priority }) when set,
   * else the environment's preferred priority on load balancer 0 (offline synthesis and `plan`)
   */
  readonly listenerRule?: ListenerRulePlacement;
  /**
   * Folder of the config file: the service's `build.context` and the site's `directory` are
   * relative to it.
   * @default - the working directory
   */
  readonly configDirectory?: string;
  /**
   * Secrets Manager name of each application secret (`EnvironmentStackProps.secretSources`).
   * @default the environment-level names
   */
  readonly secretSources?: Readonly<Record<string, string>>;
  /**
   * Add your own constructs to the environment (a queue, a table, an alarm): called once with the
   * environment's main stack (an `EnvironmentStack`, or a `SharedEnvironmentStack` for a shared
   * profile) and the resolved environment, after branch-env's constructs and before the cdk-nag
   * checks run over everything. Whatever it adds is tagged and destroyed with the environment.
   * @default - nothing is added
   */
  readonly extend?: (stack: EnvironmentMainStack, environment: ResolvedEnvironment) => void;
}

/** The stack that holds an environment's service: dedicated or on the account platform. */
export type EnvironmentMainStack = EnvironmentStack | SharedEnvironmentStack;

/**
 * Where an image comes from: a build relative to the config file's folder (never anything inside
 * this package; the sample's build is `apps/api/Dockerfile` there); a prebuilt image is pulled by
 * the task and only needs a placeholder here.
 */
function imageOfSource(
  unit: Pick<ResolvedEnvironment['services'][number], 'source'>,
  configDirectory: string,
): ServiceImage {
  if (unit.source.kind === 'image') return { directory: configDirectory };
  const { context, dockerfile, target, args } = unit.source;
  return dockerImage(resolve(configDirectory, context), dockerfile, { target, buildArgs: args });
}

/** The image of the environment's primary service (`applicationOf()`). */
function imageOf(env: ResolvedEnvironment, configDirectory: string): ServiceImage {
  const service = catchAllService(env.services);
  return imageOfSource(
    service ?? { source: { kind: 'build', ...SAMPLE_SERVICE.config.build } },
    configDirectory,
  );
}

/** The images of every service (by name) and of every job with its own build (`job:<name>`). */
function imagesOf(
  env: ResolvedEnvironment,
  configDirectory: string,
  outdir: string,
): Record<string, ServiceImage> {
  const out: Record<string, ServiceImage> = {};
  for (const s of env.services)
    out[s.name] = withoutOutdir(imageOfSource(s, configDirectory), outdir);
  for (const j of env.jobs)
    if (j.service === undefined)
      out[`job:${j.name}`] = withoutOutdir(
        imageOfSource({ source: j.source }, configDirectory),
        outdir,
      );
  return out;
}

/** The built site, relative to the config file's folder (when it has been built), or none. */
function siteOf(env: ResolvedEnvironment, configDirectory: string): string | undefined {
  if (env.site === undefined) return undefined;
  const directory = resolve(configDirectory, env.site.directory);
  return existsSync(directory) ? directory : undefined;
}

/**
 * Offline synthesis and `plan`: the rules the environment would get on an empty platform (one
 * per routed service, from its preferred priority on load balancer 0).
 */
function offlinePlacement(env: ResolvedEnvironment): ListenerRulePlacement {
  const rules = allocateListenerRules(env.name, routedServiceCount(env.services), [], {
    loadBalancers: env.account.platform?.loadBalancers ?? 1,
  });
  const [first] = rules;
  if (first === undefined) throw new Error('bug: no listener rule allocated');
  return {
    loadBalancer: first.loadBalancer,
    priority: first.priority,
    priorities: rules.map((r) => r.priority),
  };
}

export interface EnvironmentApp {
  readonly app: App;
  /** The certificate stack first (when there is one), then the environment stack. */
  readonly stacks: Stack[];
}

/**
 * Build one environment's CDK app: the environment stack in its account and region, plus the
 * CloudFront certificate stack in us-east-1 when `environment.stacks.certificate` is set. No
 * lookups, no credentials, no Docker (image assets are only fingerprinted at synth), no output.
 */
export function createEnvironmentApp(props: EnvironmentAppProps): EnvironmentApp {
  const env = props.environment;
  const app = new App({
    outdir: props.outdir,
    builtinCloudFormationValidation: props.validate ?? true,
    analyticsReporting: false,
    stackTraces: false,
    context: {
      // The certificate stack's export protects the certificate while CloudFront uses it; destroy
      // deletes the environment stack first, then the certificate stack.
      '@aws-cdk/core:defaultCrossStackReferences': 'strong',
    },
  });
  const stacks: Stack[] = [];

  const configDirectory = resolve(props.configDirectory ?? '.');
  // Built images: the platform's repositories where the account has a platform, else CDK assets.
  const tag = props.imageTag ?? props.commit ?? 'unknown';
  const serviceImage =
    props.serviceImage ??
    primaryPlatformImage(env, withoutOutdir(imageOf(env, configDirectory), app.outdir), tag);
  const images = platformImages(env, imagesOf(env, configDirectory, app.outdir), tag);
  const siteDirectory =
    props.siteDirectory === null
      ? undefined
      : (props.siteDirectory ?? siteOf(env, configDirectory));

  if (env.profile.isolation === 'shared') {
    const fromContext = app.node.tryGetContext(LISTENER_RULE_CONTEXT) as
      ListenerRulePlacement | undefined;
    const shared = new SharedEnvironmentStack(app, env.stacks.main, {
      environment: env,
      commit: props.commit,
      firstCreate: props.firstCreate,
      serviceImage: withoutOutdir(serviceImage, app.outdir),
      secretSources: props.secretSources,
      images,
      listenerRule: props.listenerRule ?? fromContext ?? offlinePlacement(env),
      siteDirectory,
      // Deployed by the class's roles, like a dedicated stack: without them the toolkit would use
      // CDK's default bootstrap roles and the class execution role would refuse unbounded roles.
      synthesizer: environmentSynthesizer(env),
    });
    applyPermissionsBoundary(shared, env);
    stacks.push(shared);
    props.extend?.(shared, env);
    HelperResourceTags.applyTo(app);
    if (props.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    return { app, stacks };
  }

  let certificate: CloudFrontCertificateSource | undefined;
  let certificateStack: CertificateStack | undefined;
  if (env.stacks.certificate !== undefined && env.domain && env.dnsName) {
    const sameRegion = env.region === CLOUDFRONT_CERTIFICATE_REGION;
    const arnParameterName = sameRegion ? undefined : physicalNames(env).certificateArnParameter;
    certificateStack = new CertificateStack(app, env.stacks.certificate, {
      stackName: env.stacks.certificate,
      env: { account: env.account.id, region: CLOUDFRONT_CERTIFICATE_REGION },
      description: `branch-env CloudFront certificate of ${env.app} environment ${env.name}`,
      zoneName: env.domain.name,
      hostedZoneId: env.domain.hostedZoneId,
      dnsName: env.dnsName,
      arnParameterName,
      terminationProtection: env.protected && !props.firstCreate,
      synthesizer: environmentSynthesizer(env),
    });
    applyPermissionsBoundary(certificateStack, env);
    acknowledgeCertificateStack(certificateStack);
    certificate = arnParameterName
      ? { arnParameterName }
      : { certificate: certificateStack.certificate };
    stacks.push(certificateStack);
  }

  const main = new EnvironmentStack(app, env.stacks.main, {
    environment: env,
    commit: props.commit,
    serviceImage: withoutOutdir(serviceImage, app.outdir),
    secretSources: props.secretSources,
    images,
    siteDirectory,
    cloudFrontCertificate: certificate,
    firstCreate: props.firstCreate,
    synthesizer: environmentSynthesizer(env),
  });
  applyPermissionsBoundary(main, env);
  if (certificateStack) {
    main.addStackDependency(certificateStack, 'CloudFront needs the us-east-1 certificate');
    for (const [key, value] of Object.entries(env.tags)) Tags.of(certificateStack).add(key, value);
  }
  stacks.push(main);
  props.extend?.(main, env);
  // CDK's helper providers (S3 auto-delete, default security group restriction) create their
  // Lambda functions and roles as raw CfnResources that Tags.of() does not reach.
  HelperResourceTags.applyTo(app);

  if (props.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stacks };
}
