#!/usr/bin/env bash
# Run by the deploy jobs of environment.yml just before `branch-env deploy`: is there still
# something to deploy? A concurrency group keeps one pending job, and a job joins it when its run's
# resolve job finishes, not when its event happened, so a synchronize run resolved after the close
# run can replace the pending destroy. Deploy only when the branch still exists and, for
# pull_request runs of unprotected environments, the pull request is still open.
#
# env: BRANCH, PROTECTED (true|false), PR_NUMBER (empty outside pull_request), GH_REPO, GH_TOKEN,
#      GITHUB_OUTPUT, GITHUB_STEP_SUMMARY. Writes superseded=true|false to GITHUB_OUTPUT.
# A GitHub API failure fails the step (it must never read as "gone" and skip a deploy).
# `gh -f` passes raw strings: no URL is built from the branch name, and a name starting with @ is
# not read as a file as with -F.
set -euo pipefail

gone=""
ref=$(gh api graphql -f owner="${GH_REPO%%/*}" -f name="${GH_REPO#*/}" -f ref="refs/heads/$BRANCH" \
  -f query='query($owner: String!, $name: String!, $ref: String!) { repository(owner: $owner, name: $name) { ref(qualifiedName: $ref) { name } } }' \
  --jq '.data.repository.ref.name // ""')
if [ -z "$ref" ]; then
  gone="branch $BRANCH no longer exists"
elif [ -n "${PR_NUMBER:-}" ] && [ "${PROTECTED:-false}" != true ]; then
  state=$(gh api "repos/$GH_REPO/pulls/$PR_NUMBER" --jq .state)
  [ "$state" = open ] || gone="pull request #$PR_NUMBER is no longer open"
fi

if [ -n "$gone" ]; then
  echo "::notice::superseded by destroy: $gone; nothing deployed"
  echo "**superseded by destroy:** $gone; nothing deployed" >> "$GITHUB_STEP_SUMMARY"
  echo "superseded=true" >> "$GITHUB_OUTPUT"
else
  echo "superseded=false" >> "$GITHUB_OUTPUT"
fi
