import type { RefInput } from '@branch-env/core';
import type { EventContext } from './inputs.js';

/** What to resolve: a ref (with its pull request head branch), or nothing with the reason. */
export type EventBranch =
  | { readonly kind: 'ref'; readonly input: RefInput; readonly source: string }
  | { readonly kind: 'none'; readonly reason: string };

const PULL_REQUEST_EVENTS = new Set([
  'pull_request',
  'pull_request_target',
  'pull_request_review',
  'pull_request_review_comment',
]);

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
}

/**
 * The branch an event is about. Pull requests resolve from their head branch (never the merge
 * ref); `delete` events from the deleted ref in the payload (their GITHUB_REF is the default
 * branch); everything else from GITHUB_REF. An explicit `branch` input wins.
 */
export function eventBranch(explicit: string, event: EventContext): EventBranch {
  const pr = record(event.payload.pull_request);
  const prHead = str(record(pr.head).ref) || event.headRef;
  if (explicit) {
    const pullRef = /^refs\/pull\/|^\d+\/merge$/.test(explicit);
    return {
      kind: 'ref',
      input: { ref: explicit, headBranch: pullRef ? prHead || undefined : undefined },
      source: 'the branch input',
    };
  }
  if (PULL_REQUEST_EVENTS.has(event.name)) {
    if (!prHead) {
      return { kind: 'none', reason: `the ${event.name} event carries no head branch` };
    }
    return {
      kind: 'ref',
      input: { ref: `refs/heads/${prHead}` },
      source: `the pull request head (${event.name})`,
    };
  }
  if (event.name === 'delete') {
    const refType = str(event.payload.ref_type);
    const ref = str(event.payload.ref);
    if (refType !== 'branch') {
      return { kind: 'none', reason: `the delete event removed a ${refType || 'non-branch ref'}` };
    }
    if (!ref) return { kind: 'none', reason: 'the delete event payload has no ref' };
    // The payload's ref is the branch's short name: a branch NAMED refs/heads/x is that branch,
    // never x (prefixing always keeps it literal).
    return {
      kind: 'ref',
      input: { ref: `refs/heads/${ref}` },
      source: 'the deleted branch (delete event)',
    };
  }
  if (!event.ref) return { kind: 'none', reason: 'GITHUB_REF is not set' };
  return {
    kind: 'ref',
    input: {
      ref: event.ref,
      headBranch: /^refs\/pull\//.test(event.ref) ? event.headRef || undefined : undefined,
    },
    source: 'GITHUB_REF',
  };
}

/**
 * True when the event is a pull request whose head lives in another repository (a fork), or whose
 * head repository is not known to be the base repository (a deleted fork, a payload without it). Such heads never get an environment: a fork can
 * name its branch `main`.
 */
export function isCrossRepository(event: EventContext): boolean {
  if (!PULL_REQUEST_EVENTS.has(event.name)) return false;
  const pr = record(event.payload.pull_request);
  const head = str(record(record(pr.head).repo).full_name);
  const base =
    str(record(record(pr.base).repo).full_name) || str(record(event.payload.repository).full_name);
  return head === '' || head.toLowerCase() !== base.toLowerCase();
}
