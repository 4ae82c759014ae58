import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  allocateListenerRules,
  catchAllService,
  listenerOrder,
  preferredPriority,
  reachOf,
  routedServiceCount,
  rulePaths,
  catchAllRulePaths,
  siteServing,
  UserError,
  type ListenerRuleClaim,
} from '../src/index.js';

type Expose = { routes: string[] } | 'internal' | 'none';
const svc = (name: string, expose: Expose, port?: number) => ({ name, expose, port });

describe('routing an environment’s services on its host', () => {
  const web = svc('web', { routes: ['/'] }, 3000);
  const api = svc('api', { routes: ['/api/*'] }, 8080);
  const admin = svc('admin', { routes: ['/api/admin/*'] }, 8081);
  const search = svc('search', 'internal', 9200);
  const worker = svc('worker', 'none');

  it('the catch-all is the service routing /, else the first routed one', () => {
    expect(catchAllService([api, web, search])).toBe(web);
    expect(catchAllService([search, api, admin])).toBe(api);
    expect(catchAllService([search, worker])).toBeUndefined();
  });

  it('orders listener rules most specific first and the catch-all last; workers and internal services have none', () => {
    expect(listenerOrder([web, api, search, admin, worker]).map((s) => s.name)).toEqual([
      'admin',
      'api',
      'web',
    ]);
    expect(routedServiceCount([web, api, search, admin, worker])).toBe(3);
  });

  it('the catch-all rule matches the host alone, the others their paths', () => {
    const all = [web, api];
    expect(rulePaths(all, web)).toEqual([]);
    expect(rulePaths(all, api)).toEqual(['/api/*']);
  });

  it('keeps the catch-all last for any set of routed services', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.stringMatching(/^\/[a-z]{1,6}(\/\*)?$/), { minLength: 1, maxLength: 6 }),
        (routes) => {
          const services = routes.map((r, i) => svc(`s${i}`, { routes: [r] }, 80));
          const order = listenerOrder(services);
          expect(order).toHaveLength(services.length);
          expect(order.at(-1)).toBe(catchAllService(services));
        },
      ),
    );
  });

  it('says how each service is reached', () => {
    expect([web, search, worker].map(reachOf)).toEqual(['routes /', 'internal :9200', 'worker']);
  });
});

describe('listener rules of an environment of several routed services', () => {
  const name = 'feature-multi';
  const p = preferredPriority(name);
  const next = (k: number) => ((p - 1 + k) % 50_000) + 1;

  it('allocates one priority per routed service, ascending, on one load balancer', () => {
    const rules = allocateListenerRules(name, 3, [], { loadBalancers: 2 });
    expect(rules.map((r) => r.priority)).toEqual([next(0), next(1), next(2)].sort((a, b) => a - b));
    expect(new Set(rules.map((r) => r.loadBalancer))).toEqual(new Set([0]));
  });

  it('keeps its own rules on a redeploy and adds the missing ones on their load balancer', () => {
    const own: ListenerRuleClaim = { environment: name, loadBalancer: 1, priority: 7 };
    const other: ListenerRuleClaim = { environment: 'other', loadBalancer: 0, priority: next(0) };
    const rules = allocateListenerRules(name, 2, [own, other], { loadBalancers: 2 });
    expect(rules).toEqual(
      [own, { environment: name, loadBalancer: 1, priority: next(1) }].sort(
        (a, b) => a.priority - b.priority,
      ),
    );
    // Fewer routed services: the lowest of its own claims.
    expect(allocateListenerRules(name, 1, [own, ...rules], { loadBalancers: 2 })).toEqual([own]);
  });

  it('never hands out a taken priority', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 50_000 }), { maxLength: 50 }),
        fc.integer({ min: 1, max: 5 }),
        (taken, count) => {
          const claims = taken.map((priority, i) => ({
            environment: `e${i}`,
            loadBalancer: 0,
            priority,
          }));
          const rules = allocateListenerRules(name, count, claims, {
            loadBalancers: 1,
            rulesPerLoadBalancer: 100,
          });
          expect(rules).toHaveLength(count);
          for (const r of rules) expect(taken).not.toContain(r.priority);
        },
      ),
    );
  });

  it('fails with the fix when the load balancer cannot hold them all', () => {
    const claims = Array.from({ length: 99 }, (_, i) => ({
      environment: `e${i}`,
      loadBalancer: 0,
      priority: i + 1,
    }));
    expect(() => allocateListenerRules(name, 2, claims, { loadBalancers: 1 })).toThrow(UserError);
    expect(allocateListenerRules(name, 1, claims, { loadBalancers: 1 })).toHaveLength(1);
  });
});

describe('who serves the static site, and what the catch-all rule keeps', () => {
  const api = svc('api', { routes: ['/api/*', '/graphql'] }, 8080);
  const worker = svc('worker', 'none');
  const site = { directory: 'dist', build: undefined, sample: false };
  const profile = (p: Record<string, unknown>) => p as never;
  const shared = profile({ isolation: 'shared', cloudfront: false, access: { mode: 'public' } });
  const cases = [
    [
      'dedicated with CloudFront',
      profile({ isolation: 'dedicated', cloudfront: true }),
      'cloudfront',
      [],
    ],
    [
      'dedicated without CloudFront',
      profile({ isolation: 'dedicated', cloudfront: false }),
      'own-load-balancer',
      ['/api/*', '/graphql'],
    ],
    ['shared, public', shared, 'platform', ['/api/*', '/graphql']],
    [
      'shared, oidc',
      profile({ isolation: 'shared', cloudfront: false, access: { mode: 'oidc' } }),
      'none',
      [],
    ],
    [
      'shared, cidr',
      profile({
        isolation: 'shared',
        cloudfront: false,
        access: { mode: 'cidr', cidrs: ['203.0.113.0/24'] },
      }),
      'none',
      [],
    ],
  ] as const;
  it.each(cases)('%s: %s', (_name, p, serving, paths) => {
    const env = { site, profile: p, services: [worker, api] as never };
    expect(siteServing(env)).toBe(serving);
    expect(catchAllRulePaths(env)).toEqual(paths);
  });

  it('without a site, nothing serves one and the catch-all keeps the host alone', () => {
    const env = { site: undefined, profile: shared, services: [api] as never };
    expect(siteServing(env)).toBe('none');
    expect(catchAllRulePaths(env)).toEqual([]);
  });
});
