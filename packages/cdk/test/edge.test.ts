import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CLOUDFRONT_ORIGIN_FACING_PREFIX_LIST,
  ORIGIN_VERIFY_HEADER,
} from '../src/web/cloudfront-only-origin.js';
import {
  onlyResource,
  removeOutdirs,
  resourcesOf,
  synthesize,
  type Synthesized,
  type Template,
} from './helpers.js';

/**
 * The edge is the only way in: behind CloudFront the load balancer admits CloudFront's
 * origin-facing prefix list only, answers 403 without the secret origin header, and is reached
 * over HTTPS; the header value is never plain text in the template.
 */
let behindCloudFront: Synthesized;
let preview: Synthesized;

beforeAll(() => {
  behindCloudFront = synthesize('full/edge');
  preview = synthesize('feature/edge');
});
afterAll(removeOutdirs);

function loadBalancerIngress(t: Template): Record<string, unknown>[] {
  const [sgId] =
    resourcesOf(t, 'AWS::EC2::SecurityGroup').find(([id]) =>
      id.startsWith('ServiceLoadBalancerSecurityGroup'),
    ) ?? [];
  const inline = (t.Resources[sgId ?? '']?.Properties?.SecurityGroupIngress ?? []) as Record<
    string,
    unknown
  >[];
  const separate = resourcesOf(t, 'AWS::EC2::SecurityGroupIngress')
    .map(([, r]) => r.Properties ?? {})
    .filter((p) => JSON.stringify(p.GroupId).includes(sgId ?? '-'));
  return [...inline, ...separate];
}

const DYNAMIC_REFERENCE = /^\{\{resolve:secretsmanager:.*:SecretString:::\}\}$/;

function resolvedString(value: unknown): string {
  // Fn::Join of literal parts and the secret's Ref: the dynamic reference around the secret id.
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (!join) return String(value);
  return join[1].map((p) => (typeof p === 'string' ? p : '<ref>')).join(join[0]);
}

describe('behind CloudFront (profile full)', () => {
  it('admits HTTPS from the CloudFront origin-facing prefix list only, nothing from the internet', () => {
    const ingress = loadBalancerIngress(behindCloudFront.main);
    expect(ingress).toHaveLength(1);
    expect(ingress[0]).toMatchObject({ IpProtocol: 'tcp', FromPort: 443, ToPort: 443 });
    expect(ingress[0]?.SourcePrefixListId).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^EdgePrefixList/), 'PrefixLists.0.PrefixListId'],
    });
    expect(JSON.stringify(ingress)).not.toContain('0.0.0.0/0');
    expect(JSON.stringify(ingress)).not.toContain('::/0');
  });

  it('reads the prefix list id at deploy time with DescribeManagedPrefixLists, no lookup', () => {
    const [, lookup] =
      resourcesOf(behindCloudFront.main, 'Custom::AWS').find(([id]) =>
        id.startsWith('EdgePrefixList'),
      ) ?? [];
    const create = JSON.parse(String(lookup?.Properties?.Create ?? lookup?.Properties?.Update));
    expect(create).toMatchObject({
      service: 'EC2',
      action: 'describeManagedPrefixLists',
      parameters: {
        Filters: [{ Name: 'prefix-list-name', Values: [CLOUDFRONT_ORIGIN_FACING_PREFIX_LIST] }],
      },
      outputPaths: ['PrefixLists.0.PrefixListId'],
    });
  });

  it('has one HTTPS listener whose default is 403 and which forwards only with the secret header', () => {
    const listeners = resourcesOf(behindCloudFront.main, 'AWS::ElasticLoadBalancingV2::Listener');
    expect(listeners.map(([, l]) => l.Properties?.Port)).toEqual([443]);
    const listener = listeners[0]![1].Properties!;
    expect(listener.Protocol).toBe('HTTPS');
    expect(listener.DefaultActions).toEqual([
      {
        Type: 'fixed-response',
        FixedResponseConfig: {
          StatusCode: '403',
          ContentType: 'text/plain',
          MessageBody: 'Forbidden',
        },
      },
    ]);
    const rule = onlyResource(
      behindCloudFront.main,
      'AWS::ElasticLoadBalancingV2::ListenerRule',
    ).Properties!;
    expect(rule.Priority).toBe(1);
    expect(rule.Actions).toEqual([
      { Type: 'forward', TargetGroupArn: { Ref: expect.stringMatching(/^ServiceTargets/) } },
    ]);
    const [condition] = rule.Conditions as {
      Field: string;
      HttpHeaderConfig: { HttpHeaderName: string; Values: unknown[] };
    }[];
    expect(condition?.Field).toBe('http-header');
    expect(condition?.HttpHeaderConfig.HttpHeaderName).toBe(ORIGIN_VERIFY_HEADER);
    expect(resolvedString(condition?.HttpHeaderConfig.Values[0])).toMatch(DYNAMIC_REFERENCE);
  });

  it('sends the header from CloudFront as the same dynamic reference, over HTTPS only', () => {
    const d = onlyResource(behindCloudFront.main, 'AWS::CloudFront::Distribution').Properties
      ?.DistributionConfig as { Origins: Record<string, any>[] };
    const api = d.Origins.filter((o) => o.CustomOriginConfig !== undefined);
    expect(api).toHaveLength(1);
    expect(api[0]?.DomainName).toBe(`origin.${behindCloudFront.environment.dnsName}`);
    expect(api[0]?.CustomOriginConfig).toMatchObject({
      OriginProtocolPolicy: 'https-only',
      OriginSSLProtocols: ['TLSv1.2'],
    });
    expect(api[0]?.OriginCustomHeaders).toHaveLength(1);
    expect(api[0]?.OriginCustomHeaders[0].HeaderName).toBe(ORIGIN_VERIFY_HEADER);
    expect(resolvedString(api[0]?.OriginCustomHeaders[0].HeaderValue)).toMatch(DYNAMIC_REFERENCE);
  });

  it('generates the header value in Secrets Manager (letters and digits: no ALB wildcard) and deletes it with the stack', () => {
    const secrets = resourcesOf(behindCloudFront.main, 'AWS::SecretsManager::Secret').filter(
      ([id]) => id.startsWith('EdgeHeaderSecret'),
    );
    expect(secrets).toHaveLength(1);
    const [, secret] = secrets[0]!;
    expect(secret.Properties?.GenerateSecretString).toEqual({
      PasswordLength: 64,
      ExcludePunctuation: true,
      IncludeSpace: false,
    });
    expect(secret.DeletionPolicy).toBe('Delete');
  });
});

describe('without CloudFront (profile preview)', () => {
  it('is the edge itself: HTTPS, and plain HTTP only as a redirect', () => {
    const ingress = loadBalancerIngress(preview.main);
    expect(ingress.map((i) => [i.FromPort, i.CidrIp]).sort()).toEqual([
      [443, '0.0.0.0/0'],
      [80, '0.0.0.0/0'],
    ]);
    const listeners = resourcesOf(preview.main, 'AWS::ElasticLoadBalancingV2::Listener').map(
      ([, l]) => l.Properties!,
    );
    const http = listeners.find((l) => l.Port === 80);
    expect(http?.DefaultActions).toEqual([
      {
        Type: 'redirect',
        RedirectConfig: { Port: '443', Protocol: 'HTTPS', StatusCode: 'HTTP_301' },
      },
    ]);
    expect(listeners.find((l) => l.Port === 443)?.Protocol).toBe('HTTPS');
    expect(resourcesOf(preview.main, 'Custom::AWS')).toHaveLength(0);
  });
});
