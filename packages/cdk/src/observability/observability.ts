import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

/** Where the service publishes request latency (CloudWatch embedded metric format). */
export const LATENCY_METRIC = {
  namespace: 'BranchEnv',
  metricName: 'RequestLatency',
  dimension: 'Environment',
} as const;

export interface ObservabilityProps {
  /** Dashboard name `<app>-<env>`. */
  readonly dashboardName: string;
  /** Environment name: the `Environment` dimension of the service's latency metric. */
  readonly environment: string;
  /**
   * The environment's own load balancer.
   * @default - on a shared load balancer: requests and errors come from the target group's
   * metrics, and there is no load balancer 5xx alarm (that metric exists per load balancer only,
   * so it would fire for every environment on it)
   */
  readonly loadBalancer?: elbv2.IApplicationLoadBalancer;
  readonly targetGroup: elbv2.ApplicationTargetGroup;
  readonly service: ecs.FargateService;
  /**
   * Database metrics to chart. The one named `CPUUtilization` (whatever its position) is also
   * alarmed on.
   * @default [] (a note that the database runs in the task)
   */
  readonly databaseMetrics?: readonly cloudwatch.IMetric[];
  /**
   * p99 latency (ms) above which the latency alarm fires.
   * @default 2000
   */
  readonly latencyThresholdMs?: number;
  /**
   * The service always runs at least one task (the profile's `task.minTasks` ≥ 1), so "no healthy
   * target" is an outage and alarms. False for a parked environment (`minTasks: 0`), which would
   * otherwise sit in ALARM.
   * @default true
   */
  readonly alwaysRunsTasks?: boolean;
}

/**
 * One dashboard per environment (requests, p50/p95/p99 latency, 4xx/5xx, CPU/memory, database)
 * and alarms on target 5xx, load balancer 5xx, no healthy target, unhealthy targets, p99 latency,
 * service CPU and database CPU that notify an SNS topic (TLS-only).
 */
export class Observability extends Construct {
  readonly dashboard: cloudwatch.Dashboard;
  readonly topic: sns.Topic;
  readonly alarms: readonly cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const period = Duration.minutes(1);
    const lb = props.loadBalancer?.metrics ?? props.targetGroup.metrics;
    const latency = (stat: string): cloudwatch.Metric =>
      new cloudwatch.Metric({
        namespace: LATENCY_METRIC.namespace,
        metricName: LATENCY_METRIC.metricName,
        dimensionsMap: { [LATENCY_METRIC.dimension]: props.environment },
        statistic: stat,
        period,
        label: stat,
      });
    const requests = lb.requestCount({ period, statistic: 'Sum' });
    const target4xx = lb.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_4XX_COUNT, {
      period,
      statistic: 'Sum',
    });
    const target5xx = lb.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, {
      period,
      statistic: 'Sum',
    });
    const elb5xx = props.loadBalancer?.metrics.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, {
      period,
      statistic: 'Sum',
    });
    const unhealthy = props.targetGroup.metrics.unhealthyHostCount({
      period,
      statistic: 'Maximum',
    });
    const healthy = props.targetGroup.metrics.healthyHostCount({ period, statistic: 'Minimum' });
    const cpu = props.service.metricCpuUtilization({ period });
    const memory = props.service.metricMemoryUtilization({ period });

    this.topic = new sns.Topic(this, 'AlarmTopic', { enforceSSL: true });
    const alarm = (alarmId: string, a: cloudwatch.AlarmProps): cloudwatch.Alarm => {
      const created = new cloudwatch.Alarm(this, alarmId, {
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        ...a,
      });
      created.addAlarmAction(new actions.SnsAction(this.topic));
      created.addOkAction(new actions.SnsAction(this.topic));
      return created;
    };
    const alarms = [
      alarm('Target5xx', {
        alarmDescription: `${props.environment}: the service answers 5xx`,
        metric: target5xx.with({ period: Duration.minutes(5) }),
        threshold: 5,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      }),
      // The environment is down: no task passes the load balancer's health check. Missing data
      // counts as breaching: no HealthyHostCount at all means nothing reports healthy (e.g. no
      // task registered), the same outage. Only when the service always runs a task: a parked
      // environment (minTasks 0) has no healthy target on purpose.
      ...(props.alwaysRunsTasks === false
        ? []
        : [
            alarm('NoHealthyTargets', {
              alarmDescription: `${props.environment}: no healthy task behind the load balancer (the service is down)`,
              metric: healthy,
              threshold: 1,
              evaluationPeriods: 2,
              datapointsToAlarm: 2,
              comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
              treatMissingData: cloudwatch.TreatMissingData.BREACHING,
            }),
          ]),
      // 5xx the load balancer answers itself (502/503/504: no healthy target, a task refusing or
      // dropping the connection, a timeout); the service never sees these requests.
      ...(elb5xx === undefined
        ? []
        : [
            alarm('LoadBalancer5xx', {
              alarmDescription: `${props.environment}: the load balancer answers 5xx itself (no healthy task, connection errors, timeouts)`,
              metric: elb5xx.with({ period: Duration.minutes(5) }),
              threshold: 5,
              evaluationPeriods: 1,
              comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            }),
          ]),
      alarm('UnhealthyTargets', {
        alarmDescription: `${props.environment}: the load balancer sees unhealthy tasks`,
        metric: unhealthy,
        threshold: 1,
        evaluationPeriods: 3,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      }),
      alarm('LatencyP99', {
        alarmDescription: `${props.environment}: p99 request latency is high`,
        metric: latency('p99').with({ period: Duration.minutes(5) }),
        threshold: props.latencyThresholdMs ?? 2000,
        evaluationPeriods: 2,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      }),
      alarm('ServiceCpu', {
        alarmDescription: `${props.environment}: service CPU is high`,
        metric: cpu.with({ period: Duration.minutes(5) }),
        threshold: 85,
        evaluationPeriods: 2,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      }),
    ];
    const databaseMetrics = props.databaseMetrics ?? [];
    const databaseCpu = databaseMetrics.find(
      (m) => m.toMetricConfig().metricStat?.metricName === 'CPUUtilization',
    );
    if (databaseCpu) {
      alarms.push(
        alarm('DatabaseCpu', {
          alarmDescription: `${props.environment}: database CPU is high`,
          metric: databaseCpu,
          threshold: 80,
          evaluationPeriods: 3,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        }),
      );
    }
    this.alarms = alarms;

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName,
      defaultInterval: Duration.hours(3),
    });
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'Requests', left: [requests], width: 8 }),
      new cloudwatch.GraphWidget({
        title: 'Latency (ms) p50 / p95 / p99',
        left: [latency('p50'), latency('p95'), latency('p99')],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Errors: 4xx / 5xx',
        left: elb5xx === undefined ? [target4xx, target5xx] : [target4xx, target5xx, elb5xx],
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Service CPU / memory (%)',
        left: [cpu, memory],
        width: 8,
      }),
      new cloudwatch.GraphWidget({ title: 'Unhealthy tasks', left: [unhealthy], width: 8 }),
      databaseMetrics.length > 0
        ? new cloudwatch.GraphWidget({ title: 'Database', left: [...databaseMetrics], width: 8 })
        : new cloudwatch.TextWidget({
            markdown:
              '**Database**: none, or MongoDB in the service task (see the service CPU / memory).',
            width: 8,
            height: 6,
          }),
    );
    this.dashboard.addWidgets(new cloudwatch.AlarmStatusWidget({ alarms, width: 24 }));
  }
}
