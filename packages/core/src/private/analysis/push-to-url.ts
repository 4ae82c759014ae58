import { PIPELINE_DURATIONS, type PipelineDuration, type PipelineTerm } from './durations.js';
import { serviceStartMinutes, type TimeModel } from './time-model.js';
import type { CfnTemplate } from './template.js';

/**
 * Modelled minutes from `git push` to the environment's URL answering: the pipeline terms around
 * the CloudFormation critical path. The deploy workflow is assumed to run one job (runner start,
 * checkout and cached install once), then two branches at once:
 *
 * - stacks: synth → pre-deploy checks → a change set per stack (created and executed one stack
 *   after the other) → CloudFormation's critical path;
 * - image: BuildKit build with a registry cache → push to ECR → the ECS service's own start
 *   (task start + health check), which cannot finish before the image exists.
 *
 * The URL is ready when the later branch ends, plus recording it.
 */
export interface PushToUrlStep {
  readonly term: PipelineTerm | 'cloudformation' | 'serviceStart';
  readonly label: string;
  readonly minutes: number;
  /** `stacks` / `image`: which of the two parallel branches; absent for the shared steps. */
  readonly branch?: 'stacks' | 'image';
}

export interface PushToUrlModel {
  readonly totalMinutes: number;
  readonly rangeMinutes: { readonly low: number; readonly high: number };
  /** Which parallel branch decides the total. */
  readonly critical: 'stacks' | 'image';
  readonly cloudFormationMinutes: number;
  readonly steps: readonly PushToUrlStep[];
  readonly assumptions: readonly string[];
  readonly sources: readonly string[];
}

export interface PushToUrlOptions {
  /** @default PIPELINE_DURATIONS */
  readonly durations?: Readonly<Record<PipelineTerm, PipelineDuration>>;
}

type Pick = (d: PipelineDuration) => number;

/**
 * @param cloudFormation the environment's CloudFormation time (its stacks combined)
 * @param templates the environment's templates (stack count and the ECS service start)
 */
export function modelPushToUrl(
  cloudFormation: TimeModel,
  templates: readonly CfnTemplate[],
  options: PushToUrlOptions = {},
): PushToUrlModel {
  const d = options.durations ?? PIPELINE_DURATIONS;
  const stacks = Math.max(1, templates.length);
  const service = Math.max(0, ...templates.map(serviceStartMinutes));
  const compute = (pick: Pick, cfn: number) => {
    const shared = pick(d.runnerStart) + pick(d.checkoutAndInstall);
    const stackBranch = pick(d.synth) + pick(d.preDeploy) + stacks * pick(d.changeSet) + cfn;
    const imageBranch = pick(d.imageBuildAndPush) + service;
    return {
      total: shared + Math.max(stackBranch, imageBranch) + pick(d.readiness),
      critical: imageBranch > stackBranch ? ('image' as const) : ('stacks' as const),
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
    step('synth', 'stacks'),
    step('preDeploy', 'stacks'),
    step('changeSet', 'stacks', stacks),
    {
      term: 'cloudformation',
      label: 'CloudFormation critical path',
      minutes: cloudFormation.totalMinutes,
      branch: 'stacks',
    },
    step('imageBuildAndPush', 'image'),
    {
      term: 'serviceStart',
      label: 'ECS service start on the new image (task start + health check)',
      minutes: service,
      branch: 'image',
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
      'the image is built with BuildKit and a registry cache in ECR, and pushed while the change sets run; the ECS service cannot become healthy before the image is pushed',
      `${stacks} stack(s), one change set each, deployed one after the other`,
      'a first deploy of the environment (an image-only push updates the service alone)',
    ],
    sources: Object.values(d).map((x) => `${x.label}: ${x.source}`),
  };
}
