// The report action (packages/action/report/action.yml): the pull request comment and the GitHub
// deployment. Bundled on its own so a job can report right after checkout, before any install.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { commandText, githubFetchApi, runPrStatusStep } from '@branch-env/core';

/**
 * Run one report from the step's environment (`BRANCH_ENV_REPORT` and the variables
 * `runPrStatusStep` documents); the token is the `github-token` input (the job's GITHUB_TOKEN by
 * default). Sets exit code 1, with the reason as an error annotation, when nothing could be written.
 */
export async function report(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  try {
    const token = env['INPUT_GITHUB-TOKEN'] || env.GITHUB_TOKEN || '';
    await runPrStatusStep(env, {
      api: githubFetchApi({ token, apiUrl: env.GITHUB_API_URL }),
      readFile: (path) => (existsSync(path) ? readFileSync(path, 'utf8') : undefined),
      appendFile: (path, text) => appendFileSync(path, text),
      log: (line) => console.log(line),
    });
  } catch (error) {
    console.log(
      `::error::${commandText(`branch-env report failed: ${error instanceof Error ? error.message : String(error)}`)}`,
    );
    process.exitCode = 1;
  }
}

await report();
