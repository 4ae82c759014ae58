// The workflows' pull request and deployment reporting step: every input in an environment
// variable (BRANCH_ENV_REPORT says what to do; packages/core/src/private/github/pr-status-step.ts
// documents the rest). Needs the workspace built (`npm ci` builds packages/core/dist).
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = process.env.GITHUB_WORKSPACE || process.cwd();
const { githubFetchApi, runPrStatusStep, commandText } = await import(
  pathToFileURL(join(root, 'packages/core/dist/index.js')).href
);
try {
  await runPrStatusStep(process.env, {
    api: githubFetchApi({
      token: process.env.GITHUB_TOKEN ?? '',
      apiUrl: process.env.GITHUB_API_URL,
    }),
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
