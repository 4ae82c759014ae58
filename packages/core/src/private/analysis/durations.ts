import { JOB_RUN_RESOURCE_TYPE } from '../services/job-run.js';

/**
 * Per-resource-type CloudFormation create and delete durations for the time models, in minutes.
 * Where the reference gives a range, `minutes` is its midpoint unless the entry says otherwise;
 * `range` keeps the published bounds so `plan` can show them. Reference:
 * docs/reference/aws-prices-and-durations.md ("Provisioning times seen in public logs and
 * issue threads", Nov 2026).
 */
export interface ResourceDuration {
  readonly minutes: number;
  readonly range?: readonly [low: number, high: number];
  readonly source: string;
}

export interface TypeDurations {
  readonly create?: ResourceDuration;
  readonly delete?: ResourceDuration;
}

const REF = 'docs/reference/aws-prices-and-durations.md';

/** Small default for every type not listed: VPC, subnet, IAM, SSM and similar calls finish in seconds. */
export const DEFAULT_DURATION: ResourceDuration = {
  minutes: 0.25,
  source:
    'default 15 s for types without a published figure (VPC, subnet, security group, IAM, SSM, log group ...)',
};

export const RESOURCE_DURATIONS: Readonly<Record<string, TypeDurations>> = {
  'AWS::DocDB::DBCluster': {
    create: {
      minutes: 7.5,
      range: [5, 10],
      source: `DocumentDB cluster create 5–10 min, midpoint (${REF})`,
    },
    delete: {
      minutes: 7.5,
      range: [5, 10],
      source: `DocumentDB delete 5–10 min, midpoint (${REF})`,
    },
  },
  'AWS::DocDB::DBInstance': {
    create: {
      minutes: 7.5,
      range: [5, 10],
      source: `DocumentDB instance create 5–10 min, midpoint (${REF})`,
    },
    delete: {
      minutes: 7.5,
      range: [5, 10],
      source: `DocumentDB instance delete seen at 7.5 min (${REF})`,
    },
  },
  'AWS::RDS::DBCluster': {
    create: {
      minutes: 15,
      range: [15, 30],
      source: `Aurora cluster create "> 15 min": lower bound (${REF})`,
    },
  },
  'AWS::RDS::DBInstance': {
    create: {
      minutes: 7.5,
      range: [5, 10],
      source: `Aurora instance: no published figure; assumed like a DocumentDB instance, 5–10 min (${REF})`,
    },
  },
  'AWS::EC2::NatGateway': {
    create: {
      minutes: 1.75,
      range: [1.5, 2],
      source: `NAT gateway create 1.5–2 min, midpoint (${REF})`,
    },
    delete: { minutes: 1, source: `NAT gateway delete ~1 min, blocks the VPC delete (${REF})` },
  },
  'AWS::ElasticLoadBalancingV2::LoadBalancer': {
    create: {
      minutes: 2.6,
      range: [2.3, 2.9],
      source: `ALB create 2.3–2.9 min, midpoint (${REF})`,
    },
  },
  'AWS::CloudFront::Distribution': {
    create: {
      minutes: 5,
      range: [3, 45],
      source: `CloudFront create 3–45 min; 5 min taken as typical for a new distribution since CloudFront's propagation work (https://aws.amazon.com/blogs/networking-and-content-delivery/slashing-cloudfront-change-propagation-times-in-2020-recent-changes-and-looking-forward/), not the midpoint of a long-tailed range (${REF})`,
    },
    delete: {
      minutes: 30,
      range: [30, 60],
      source: `CloudFront delete 30 min to > 1 h (disable, wait for Deployed, delete): lower bound (${REF})`,
    },
  },
  'AWS::CertificateManager::Certificate': {
    create: {
      minutes: 3,
      range: [1, 10],
      source: `ACM DNS-validated: "minutes once the record exists" (Route 53 zone given, CloudFormation writes the record); 3 min taken (${REF})`,
    },
  },
  // A rule on the platform listener, written by the platform's router (docs/platform.md, "Who
  // writes the listener rules"): a Lambda invocation and a few ELB calls.
  'Custom::BranchEnvListenerRule': {
    create: {
      minutes: 0.1,
      range: [0.05, 0.3],
      source:
        'router Lambda (cold start ~1 s) + DescribeStacks, DescribeTags, CreateRule: seconds; CloudFormation adds its custom-resource round trip (estimate)',
    },
    delete: {
      minutes: 0.1,
      range: [0.05, 0.3],
      source: 'router Lambda + DeleteRule: seconds (estimate)',
    },
  },
  // A database and a user on the platform's shared cluster (docs/platform.md, "Shared databases"):
  // the environment creates no cluster, only this call to the platform's provisioner.
  'Custom::SharedDatabase': {
    create: {
      minutes: 0.5,
      range: [0.25, 1],
      source: `provisioner + in-VPC executor (Lambda cold starts, a few statements) and, on a paused 0-ACU Aurora cluster, its resume ~15 s (${REF}); 0.25-1 min taken`,
    },
    delete: {
      minutes: 0.25,
      range: [0.1, 0.5],
      source: 'provisioner + executor drop the database and the user: a few statements (estimate)',
    },
  },
  // A job run (docs/services.md#jobs): the stack's ECS services wait for it, so on a stack with
  // jobs it is on the critical path between the database and the services.
  [JOB_RUN_RESOURCE_TYPE]: {
    create: {
      minutes: 1.5,
      range: [0.75, 3],
      source:
        "job run: Fargate task start 1 min (the ECS service model's assumption: placement, image pull, container start) + the job's own work, assumed 0.25 min (migrating or seeding a fresh preview database; a long job adds its own time, up to its timeoutMinutes) + 0.25 min for the task to stop and the handler to see it (5 s polls) and answer; 0.75–3 min",
    },
    delete: { minutes: 0.1, source: 'job run delete: nothing to delete, one Lambda call' },
  },
  // CDK BucketDeployment (the static site's upload): a Lambda with the AWS CLI layer copies the
  // site's asset from the CDK asset bucket into the site bucket (`aws s3 sync`, prune).
  'Custom::CDKBucketDeployment': {
    create: {
      minutes: 0.75,
      range: [0.25, 2],
      source:
        'CDK BucketDeployment: Lambda cold start with the AWS CLI layer, download of the site asset and aws s3 sync into the bucket; seconds for a small site, up to minutes for a large one (estimate, grows with the site)',
    },
  },
  'AWS::Route53::RecordSet': {
    create: {
      minutes: 1,
      source:
        'Route 53 change reaches INSYNC within 60 s (https://docs.aws.amazon.com/Route53/latest/APIReference/API_GetChange.html); CloudFormation waits for it',
    },
  },
};

/** Lambda functions with VpcConfig: hyperplane ENI release 20–45 min on delete, midpoint. */
export const LAMBDA_IN_VPC_DELETE: ResourceDuration = {
  minutes: 32.5,
  range: [20, 45],
  source: `Lambda in a VPC: ENI release 20–45 min on delete, midpoint (${REF})`,
};

/**
 * ECS service create = task start + the target group's healthy threshold. CloudFormation returns
 * CREATE_COMPLETE when the service reaches a steady state, which for a load-balanced service means
 * its tasks passed the target group health check (HealthyThresholdCount × HealthCheckIntervalSeconds;
 * ALB defaults 5 × 30 s — https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html).
 * Task start (Fargate placement, image pull of a small image, container start) is taken as 1 min.
 */
export const ECS_TASK_START_MINUTES = 1;
export const ALB_HEALTH_DEFAULTS = { intervalSeconds: 30, healthyThreshold: 5 } as const;
/** Target group deregistration delay default (300 s): an ECS service delete waits for draining. */
export const DEREGISTRATION_DELAY_DEFAULT_SECONDS = 300;

/**
 * The pipeline around CloudFormation, push → URL (`modelPushToUrl`). Each term is what the deploy
 * workflow (`.github/workflows/environment.yml`, job `deploy`) does: one job on a GitHub-hosted
 * runner, dependencies restored from a cache, QEMU and buildx set up, then `branch-env image push`
 * (BuildKit with a registry cache in ECR) in the background while `diff` runs, then `deploy`
 * (checks, an in-process synth, a change set per stack), then the URL recorded. Sources:
 * docs/reference/push-to-url.md (the pipeline terms and their evidence, Dec 2026) and the links in each entry.
 */
export type PipelineTerm =
  | 'runnerStart'
  | 'checkoutAndInstall'
  | 'buildTools'
  | 'diff'
  | 'synth'
  | 'preDeploy'
  | 'imageBuildAndPush'
  | 'changeSet'
  | 'readiness';

export interface PipelineDuration extends ResourceDuration {
  readonly label: string;
}

export const PIPELINE_DURATIONS: Readonly<Record<PipelineTerm, PipelineDuration>> = {
  runnerStart: {
    label: 'runner start (push → job running)',
    minutes: 0.25,
    range: [0.1, 1],
    source:
      'GitHub-hosted runner start: mean about 3.7 s, p99 39 s (https://depot.dev/blog/reducing-queue-time-with-cached-schemas), p90 about 1 min on ubuntu-slim (https://devactivity.com/insights/optimizing-developer-activities-tackling-github-ubuntu-slim-runner-queue-times); 15 s taken with the workflow trigger, one job',
  },
  checkoutAndInstall: {
    label: 'checkout + dependency install (cached)',
    minutes: 0.4,
    range: [0.3, 0.5],
    source:
      'checkout and npm ci restored from the dependency cache: 0.3–0.5 min (estimate, docs/reference/push-to-url.md §6 A); uncached npm ci alone measured 240 s in a Node build (https://blogdeveloperspot.blogspot.com/2025/12/github-actions-slow-fix-docker-layer.html)',
  },
  buildTools: {
    label: 'QEMU, buildx builder and AWS credentials set up',
    minutes: 0.3,
    range: [0.2, 0.5],
    source:
      'docker/setup-qemu-action (pulls tonistiigi/binfmt, registers the emulators), docker/setup-buildx-action (pulls and starts a BuildKit container), aws-actions/configure-aws-credentials (one STS call): 0.2–0.5 min (estimate, docs/reference/push-to-url.md)',
  },
  diff: {
    label: 'diff against the deployed stacks (synth + GetTemplate), beside the image push',
    minutes: 0.2,
    range: [0.15, 0.4],
    source:
      'the CLI start, an in-process synth (0.05–0.3 min, DESIGN §4) and a GetTemplate per stack: 0.15–0.4 min (estimate, docs/reference/push-to-url.md)',
  },
  synth: {
    label: 'synth (in-process, template validation on)',
    minutes: 0.1,
    range: [0.05, 0.3],
    source:
      'cdk synth of a full environment measured 5.6 s here, of which ~2.5–3 s template validation (DESIGN §4, docs/cli.md "Speed"); in-process plan 1.8 s',
  },
  preDeploy: {
    label:
      'branch re-check, credentials, stack status, capacity check, images present, ownership claim',
    minutes: 0.2,
    range: [0.15, 0.3],
    source:
      'a GitHub API call (still-current.sh) and a few AWS API calls (DescribeImages per image among them) before the change set: 0.15–0.3 min (docs/reference/push-to-url.md §3.1)',
  },
  imageBuildAndPush: {
    label: 'image build (BuildKit, registry cache) + push to ECR',
    minutes: 0.65,
    range: [0.5, 0.8],
    source:
      'branch-env image push: DescribeImages, docker login, docker buildx build --push with --cache-from/--cache-to type=registry (mode=max) in the same repository. Cached build 20–40 s + push 5–15 s, 0.5–0.8 min (estimate, docs/reference/push-to-url.md §5, §6 A); cold 1.5–3 min, far longer when QEMU emulates uncached RUN steps (30+ min for a Next.js arm64 build: https://git.highperfocused.tech/highperfocused/multica/commit/f98a67dd901c11f5f421b5703e3b40450bd87ca1.patch); a DescribeImages (seconds) when the commit’s image exists',
  },
  changeSet: {
    label: 'change set create + execute start (per stack)',
    minutes: 0.35,
    range: [0.2, 0.5],
    source:
      'per-stack CloudFormation overhead: 48 trivial resources take 20 s through the SDK and 89 s through CloudFormation (https://github.com/go-to-k/cdkd/blob/main/docs/benchmarks.md); 0.2–0.5 min per stack',
  },
  readiness: {
    label: 'records, URL, pull-request comment',
    minutes: 0.15,
    range: [0.1, 0.2],
    source:
      'config-bus records, the URL answering, the PR comment: a few API calls, 0.1–0.2 min (docs/reference/push-to-url.md §3.1)',
  },
};
