import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  allocateListenerRule,
  claimValue,
  parseClaim,
  preferredPriority,
  UserError,
  type ListenerRuleClaim,
} from '../src/index.js';

describe('listener-rule allocation', () => {
  it('hashes an environment name into 1..50000, stably', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), (name) => {
        const p = preferredPriority(name);
        expect(Number.isInteger(p) && p >= 1 && p <= 50_000).toBe(true);
        expect(preferredPriority(name)).toBe(p);
      }),
    );
  });

  it('takes the preferred priority when it is free', () => {
    const p = preferredPriority('feature-new-login');
    expect(allocateListenerRule('feature-new-login', [], { loadBalancers: 1 })).toEqual({
      environment: 'feature-new-login',
      loadBalancer: 0,
      priority: p,
    });
  });

  it('probes linearly past taken priorities and wraps from 50000 to 1', () => {
    const name = 'feature-x';
    const p = preferredPriority(name);
    const taken = (priority: number): ListenerRuleClaim => ({
      environment: `other-${priority}`,
      loadBalancer: 0,
      priority,
    });
    const next = (k: number) => ((p - 1 + k) % 50_000) + 1;
    expect(
      allocateListenerRule(name, [taken(next(0)), taken(next(1))], { loadBalancers: 1 }).priority,
    ).toBe(next(2));
    const all50000 = Array.from({ length: 50_000 - p + 1 }, (_, i) => taken(p + i));
    expect(
      allocateListenerRule(name, all50000, { loadBalancers: 1, rulesPerLoadBalancer: 60_000 })
        .priority,
    ).toBe(p === 1 ? 50_000 : 1);
  });

  it('never hands out a taken priority, and keeps an existing claim', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 50_000 }), { maxLength: 150 }),
        fc.string({ minLength: 1, maxLength: 20 }).map((s) => `e${s}`),
        (priorities, name) => {
          const claims = priorities.map((priority, i) => ({
            environment: `x-${i}`,
            loadBalancer: i % 2,
            priority,
          }));
          const rule = allocateListenerRule(name, claims, { loadBalancers: 2 });
          expect(priorities).not.toContain(rule.priority);
          expect(allocateListenerRule(name, [...claims, rule], { loadBalancers: 2 })).toEqual(rule);
        },
      ),
    );
  });

  it('picks the load balancer with the fewest rules', () => {
    const claims = [
      { environment: 'a', loadBalancer: 0, priority: 1 },
      { environment: 'b', loadBalancer: 0, priority: 2 },
      { environment: 'c', loadBalancer: 1, priority: 3 },
    ];
    expect(allocateListenerRule('d', claims, { loadBalancers: 3 }).loadBalancer).toBe(2);
    expect(allocateListenerRule('d', claims, { loadBalancers: 2 }).loadBalancer).toBe(1);
  });

  it('fails with the fix when every load balancer is full', () => {
    const claims = Array.from({ length: 100 }, (_, i) => ({
      environment: `e${i}`,
      loadBalancer: 0,
      priority: i + 1,
    }));
    const refuse = () => allocateListenerRule('new', claims, { loadBalancers: 1 });
    expect(refuse).toThrow(UserError);
    expect(refuse).toThrow(/the platform is full/);
  });

  it('round-trips a claim through its SSM value and rejects what is not one', () => {
    const claim = { environment: 'feature-a', loadBalancer: 2, priority: 42 };
    expect(parseClaim(42, claimValue(claim))).toEqual(claim);
    expect(parseClaim(42, 'garbage')).toBeUndefined();
    expect(parseClaim(0, 'feature-a@0')).toBeUndefined();
    expect(parseClaim(Number.NaN, 'feature-a@0')).toBeUndefined();
  });
});
