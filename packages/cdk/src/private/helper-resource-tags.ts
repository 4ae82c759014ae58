import {
  AspectPriority,
  Aspects,
  CfnResource,
  RemoveTag,
  Tag,
  TagManager,
  type IAspect,
} from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * CloudFormation types that take `Tags` (a list of `{ Key, Value }`) and that CDK's helper
 * providers create as plain `CfnResource`s, which `Tags.of()` never reaches (they have no
 * TagManager): the `Custom::S3AutoDeleteObjects` and `Custom::VpcRestrictDefaultSG` provider
 * functions and their roles (`CustomResourceProvider`).
 */
const HELPER_TAGGABLE_TYPES: readonly string[] = ['AWS::Lambda::Function', 'AWS::IAM::Role'];

/**
 * Give CDK's untaggable helper resources the tags `Tags.of(scope).add()` puts on everything else
 * (the environment's cost-allocation tags), through a `Tags` property override. The tags are read
 * at synthesis from the `Tag` / `RemoveTag` aspects on the resource's scopes, outermost first, so
 * a tag added anywhere above the resource applies, as it would to a taggable one. Tag priorities
 * and include/exclude filters are not evaluated (branch-env sets none).
 */
export class HelperResourceTags implements IAspect {
  /** Add the aspect to `scope` (an app or stack): every helper resource under it gets tagged. */
  static applyTo(scope: IConstruct): void {
    Aspects.of(scope).add(new HelperResourceTags(), { priority: AspectPriority.MUTATING });
  }

  visit(node: IConstruct): void {
    if (!(node instanceof CfnResource)) return;
    if (!HELPER_TAGGABLE_TYPES.includes(node.cfnResourceType)) return;
    if (TagManager.isTaggable(node) || TagManager.isTaggableV2(node)) return;
    const tags = new Map<string, string>();
    for (const scope of node.node.scopes) {
      for (const aspect of Aspects.of(scope).all) {
        if (aspect instanceof Tag) tags.set(aspect.key, aspect.value);
        else if (aspect instanceof RemoveTag) tags.delete(aspect.key);
      }
    }
    if (tags.size === 0) return;
    node.addPropertyOverride(
      'Tags',
      [...tags].sort(([a], [b]) => a.localeCompare(b)).map(([Key, Value]) => ({ Key, Value })),
    );
  }
}
