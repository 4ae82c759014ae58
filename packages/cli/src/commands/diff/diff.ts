import { dirname } from 'node:path';
import { imageTagOf, UserError } from '@branch-env/core';
import { awsClients } from '../../private/aws/clients.js';
import { requireAccount } from '../../private/aws/credentials.js';
import type { StackDiff } from '../../private/aws/toolkit.js';
import type { ParsedArgs } from '../../private/command.js';
import { commitOf } from '../../private/commit.js';
import { environmentFrom } from '../../private/context.js';
import { EXIT, printJson, type Io } from '../../private/io.js';
import { userAppOf } from '../../private/user-app.js';

const VERB: Record<StackDiff['changes'][number]['change'], string> = {
  add: '+ add',
  update: '~ update',
  replace: '! replace',
  'may-replace': '? may replace',
  remove: '- remove',
};

/** The PR-comment section of a diff. */
export function diffMarkdown(environment: string, stacks: readonly StackDiff[]): string {
  const total = stacks.reduce((s, d) => s + d.changes.length, 0);
  if (total === 0) return `#### Changes to \`${environment}\`\n\nNo infrastructure changes.\n`;
  const md = [`#### Changes to \`${environment}\` (${total} resource change(s))`, ''];
  for (const s of stacks) {
    if (s.changes.length === 0) continue;
    md.push(`**${s.stack}**${s.permissionsBroadened ? ' ⚠️ broadens IAM permissions' : ''}`, '');
    md.push('| Change | Resource | Type |', '|---|---|---|');
    for (const c of s.changes) md.push(`| ${VERB[c.change]} | \`${c.logicalId}\` | ${c.type} |`);
    md.push('');
  }
  const replaced = stacks.flatMap((s) => s.changes).filter((c) => c.change === 'replace');
  if (replaced.length > 0)
    md.push(`⚠️ ${replaced.length} resource(s) will be replaced (data in them is lost).`, '');
  return `${md.join('\n')}\n`;
}

export function diffText(stacks: readonly StackDiff[]): string {
  const lines: string[] = [];
  for (const s of stacks) {
    lines.push(
      `${s.stack}: ${s.changes.length === 0 ? 'no changes' : `${s.changes.length} change(s)`}${s.permissionsBroadened ? ' (broadens IAM permissions)' : ''}`,
    );
    for (const c of s.changes)
      lines.push(`  ${VERB[c.change].padEnd(14)} ${c.logicalId} (${c.type})`);
  }
  return `${lines.join('\n')}\n`;
}

export async function run(args: ParsedArgs, io: Io): Promise<number> {
  const { env, config, file } = environmentFrom(args, io, { checkFiles: true });
  if (args.values.json && args.values.markdown)
    throw new UserError('--json and --markdown cannot be combined', 'pick one output format');
  // The commit deploy will deploy: its templates name it (and, on a platform, its image tag).
  const commit = commitOf(args, io);
  const known = commit !== 'unknown';
  await requireAccount(awsClients(env.region), env, 'diff');
  const [{ synthesizeEnvironment }, { diffAssembly, toolkitFailure }] = await Promise.all([
    import('../../private/synth.js'),
    import('../../private/aws/toolkit.js'),
  ]);
  io.err(`synthesizing ${env.name} and comparing with the deployed stacks...\n`);
  const { stacks } = await diffAssembly(
    async (outdir) => ({
      directory: (
        await synthesizeEnvironment(env, {
          outdir,
          nag: false,
          commit: known ? commit : undefined,
          imageTag: known ? imageTagOf(commit) : undefined,
          configDirectory: dirname(file),
          app: userAppOf(config, file, io),
        })
      ).directory,
    }),
    { io },
  ).catch((error: unknown) => {
    throw toolkitFailure('diff', env.name, error);
  });
  if (args.values.json) printJson(io, { environment: env.name, stacks });
  else if (args.values.markdown) io.out(diffMarkdown(env.name, stacks));
  else io.out(diffText(stacks));
  return EXIT.ok;
}
