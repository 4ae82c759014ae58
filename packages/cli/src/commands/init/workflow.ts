import { VERSION } from '../../cli.js';

/**
 * The GitHub repository that publishes branch-env's reusable workflows and action, and the tag
 * an adopting repository calls them at. One home: `init` writes both into the caller workflow and
 * the config's `$schema`; the packages' `repository` fields name the same repository (a test
 * checks).
 */
export const BRANCH_ENV_REPOSITORY = 'branch-env/branch-env';

/** The tag of this release: the reusable workflows are called at the CLI's own version. */
export const WORKFLOWS_REF = `v${VERSION}`;

/** Where `init` writes the caller workflow, relative to the repository root. */
export const WORKFLOW_FILE = '.github/workflows/branch-env.yml';

/** The JSON Schema of the config at this release (editors read `$schema`). */
export const SCHEMA_URL = `https://raw.githubusercontent.com/${BRANCH_ENV_REPOSITORY}/${WORKFLOWS_REF}/branch-env.schema.json`;

/**
 * The caller workflow: about twenty lines that hand every event to branch-env's reusable
 * workflows (`workflow_call`). Inputs: `config` (the config file, relative to the repository
 * root) and `branch-env-version` (the npm version of the CLI the jobs run); no secrets (the jobs
 * assume the config's deploy roles through GitHub OIDC and use the run's GITHUB_TOKEN).
 */
export function callerWorkflow(configFile: string): string {
  const uses = (name: string) =>
    `${BRANCH_ENV_REPOSITORY}/.github/workflows/${name}.yml@${WORKFLOWS_REF}`;
  const inputs = `    with:\n      config: ${configFile}\n      branch-env-version: ${VERSION}\n`;
  return (
    `# branch-env: every branch gets its own AWS environment (written by \`npx branch-env init\`).\n` +
    `# The jobs are branch-env's reusable workflows: https://github.com/${BRANCH_ENV_REPOSITORY}/blob/${WORKFLOWS_REF}/docs/github.md\n` +
    `name: branch-env\n` +
    `on:\n` +
    `  push: { branches: ['**'] }\n` +
    `  pull_request: { types: [opened, synchronize, reopened, closed] }\n` +
    `  delete:\n` +
    `  schedule: [{ cron: '23 * * * *' }]\n` +
    `  workflow_dispatch:\n` +
    `permissions: {}\n` +
    `jobs:\n` +
    `  environment:\n` +
    `    if: github.event_name != 'schedule'\n` +
    `    uses: ${uses('environment')}\n` +
    `    permissions: { contents: read, pull-requests: write, deployments: write, actions: read, id-token: write }\n` +
    inputs +
    `  reaper:\n` +
    `    if: github.event_name == 'schedule'\n` +
    `    uses: ${uses('reaper')}\n` +
    `    permissions: { contents: read, pull-requests: write, deployments: write, id-token: write }\n` +
    inputs
  );
}
