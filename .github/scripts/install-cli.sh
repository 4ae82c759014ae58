#!/usr/bin/env bash
# Run by every job of environment.yml and reaper.yml that runs the CLI: makes `npx branch-env`
# run the branch-env the workflow was called for.
#
# env: BRANCH_ENV_VERSION: empty when the workflow runs in branch-env's own repository (the
# workspace is branch-env: `npm ci` installs the CLI from the workspace); the npm version of the
# CLI when an adopting repository calls the reusable workflow (`with: branch-env-version`).
# In an adopting repository its own dependencies are installed first when it has a lockfile (its
# own CDK constructs, a build the services need), then the CLI globally, which `npx branch-env`
# runs unless the repository depends on branch-env itself (then its own version runs: a warning
# says so when the two differ).
set -euo pipefail

if [ -z "${BRANCH_ENV_VERSION:-}" ]; then
  npm ci --no-audit --no-fund
  exit 0
fi
# A version, never a spec npm would read as a URL, a path or a tag.
if ! [[ "$BRANCH_ENV_VERSION" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.]+)?$ ]]; then
  echo "::error::branch-env-version must be an npm version such as 1.2.3, not '${BRANCH_ENV_VERSION//%/%25}'"
  exit 1
fi
if [ -f package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm install --global --no-audit --no-fund "branch-env@$BRANCH_ENV_VERSION"
if [ -f node_modules/branch-env/package.json ]; then
  own=$(node -p 'require("./node_modules/branch-env/package.json").version')
  if [ "$own" != "$BRANCH_ENV_VERSION" ]; then
    echo "::warning::this repository depends on branch-env $own, which npx runs, but calls the workflows with branch-env-version $BRANCH_ENV_VERSION: make them equal"
  fi
fi
