import { PIPELINE_DURATIONS, type PipelineDuration, type PipelineTerm } from './durations.js';
import type { TimeModel } from './time-model.js';
import type { CfnTemplate } from './template.js';

/**
 * Modelled minutes from `git push` to the environment's URL answering: the pipeline terms around
 * the CloudFormation critical path, as the deploy workflow runs them (one job,
 * `.github/workflows/environment.yml`):
 *
 * - shared: runner start, checkout and a cached install, QEMU/buildx/credentials set up;
 * - on an account platform (`images: 'platform'`), two branches at once: `branch-env image push`
 *   (BuildKit with a registry cache → push to ECR) in the background, and `diff` (synth + the
 *   deployed templates); the job waits for the later one;
 * - then `deploy`: pre-deploy checks (the images must exist), synth, a change set per stack
 *   (created and executed one stack after the other), CloudFormation's critical path (which
 *   includes the ECS service's start on the new image: task start + health check);
 * - records and the URL.
 *
 * On an account without a platform (`images: 'assets'`) the images are CDK assets that `deploy`
 * builds and publishes itself between the synth and the change sets: no parallel branch.
 */
export interface PushToUrlStep {
  readonly term: PipelineTerm | 'cloudformation';
  readonly label: string;
  readonly minutes: number;
  /** `stacks` / `image`: which of the two parallel branches (the diff, the image push); absent for the sequential steps. */
  readonly branch?: 'stacks' | 'image';
}

export interface PushToUrlModel {
  readonly totalMinutes: number;
  readonly rangeMinutes: { readonly low: number; readonly high: number };
  /** Which parallel branch decides when `deploy` starts: the image push, or the diff (`stacks`). */
  readonly critical: 'stacks' | 'image';
  readonly cloudFormationMinutes: number;
  readonly steps: readonly PushToUrlStep[];
  readonly assumptions: readonly string[];
  readonly sources: readonly string[];
}

export interface PushToUrlOptions {
  /** @default PIPELINE_DURATIONS */
  readonly durations?: Readonly<Record<PipelineTerm, PipelineDuration>>;
  /**
   * Where the images come from: the account platform's repositories (`branch-env image push`,
   * beside the diff) or CDK image assets `deploy` builds before its change sets.
   * @default 'platform'
   */
  readonly images?: 'platform' | 'assets';
}

type Pick = (d: PipelineDuration) => number;

/**
 * @param cloudFormation the environment's CloudFormation time (its stacks combined)
 * @param templates the environment's templates (the stack count)
 */
export function modelPushToUrl(
  cloudFormation: TimeModel,
  templates: readonly CfnTemplate[],
  options: PushToUrlOptions = {},
): PushToUrlModel {
  const d = options.durations ?? PIPELINE_DURATIONS;
  const onPlatform = (options.images ?? 'platform') === 'platform';
  const stacks = Math.max(1, templates.length);
  const compute = (pick: Pick, cfn: number) => {
    const before = pick(d.runnerStart) + pick(d.checkoutAndInstall) + pick(d.buildTools);
    const image = pick(d.imageBuildAndPush);
    const diff = pick(d.diff);
    const parallel = onPlatform ? Math.max(image, diff) : diff;
    const deploy =
      pick(d.preDeploy) +
      pick(d.synth) +
      (onPlatform ? 0 : image) +
      stacks * pick(d.changeSet) +
      cfn;
    return {
      total: before + parallel + deploy + pick(d.readiness),
      critical: onPlatform && image > diff ? ('image' as const) : ('stacks' as const),
    };
  };
  const typical = compute((x) => x.minutes, cloudFormation.totalMinutes);
  const low = compute((x) => x.range?.[0] ?? x.minutes, cloudFormation.rangeMinutes.low);
  const high = compute((x) => x.range?.[1] ?? x.minutes, cloudFormation.rangeMinutes.high);
  const step = (term: PipelineTerm, branch?: 'stacks' | 'image', times = 1): PushToUrlStep => ({
    term,
    label: times > 1 ? `${d[term].label} x${times}` : d[term].label,
    minutes: d[term].minutes * times,
    ...(branch === undefined ? {} : { branch }),
  });
  const steps: PushToUrlStep[] = [
    step('runnerStart'),
    step('checkoutAndInstall'),
    step('buildTools'),
    ...(onPlatform ? [step('imageBuildAndPush', 'image'), step('diff', 'stacks')] : [step('diff')]),
    step('preDeploy'),
    step('synth'),
    ...(onPlatform ? [] : [step('imageBuildAndPush')]),
    step('changeSet', undefined, stacks),
    {
      term: 'cloudformation',
      label: 'CloudFormation critical path (the ECS service starts on the new image inside it)',
      minutes: cloudFormation.totalMinutes,
    },
    step('readiness'),
  ];
  return {
    totalMinutes: typical.total,
    rangeMinutes: { low: low.total, high: high.total },
    critical: typical.critical,
    cloudFormationMinutes: cloudFormation.totalMinutes,
    steps,
    assumptions: [
      'one workflow job: runner start, checkout and a cached dependency install happen once',
      onPlatform
        ? "the commit's images are built with BuildKit and a registry cache in ECR and pushed (branch-env image push) while diff runs; deploy starts once both ended and never runs a change set before the images exist"
        : 'no account platform: deploy builds and publishes the images as CDK assets (buildx, Actions cache) between its synth and its change sets',
      `${stacks} stack(s), one change set each, deployed one after the other`,
      'a first deploy of the environment (an image-only push replaces the task definitions and updates the services alone)',
      ...(onPlatform
        ? [
            'an image of the commit already pushed (another environment of the class at the same commit, a re-run) is not built again: the image branch takes seconds',
          ]
        : []),
    ],
    sources: Object.values(d).map((x) => `${x.label}: ${x.source}`),
  };
}
