#!/usr/bin/env bash
# The deploy jobs' image branch (docs/github.md, docs/images.md): `start` runs
# `branch-env image push` in the background (it builds each service and job image of the commit
# for its architecture and pushes it to the account platform's repositories, skipping images that
# exist), so the job goes on with `diff` meanwhile; `wait` waits for it before the deploy, prints
# its output and exits with its exit code. On an account without a platform the push does nothing
# (deploy builds CDK image assets there). The branch and the commit come from the environment
# (BRANCH, COMMIT), never from the workflow text.
set -euo pipefail

dir="${RUNNER_TEMP:?RUNNER_TEMP is not set}/branch-env-image-push"

case "${1:-}" in
  start)
    : "${BRANCH:?BRANCH is not set}" "${COMMIT:?COMMIT is not set}"
    rm -rf "$dir"
    mkdir -p "$dir"
    # Detached from the step's output (the step ends now, the push goes on); the exit code is
    # written last, in one rename, so `wait` never reads half a file.
    (
      set +e
      npx branch-env image push "refs/heads/$BRANCH" --commit "$COMMIT" --json >"$dir/images.json"
      echo "$?" >"$dir/rc.tmp"
      mv "$dir/rc.tmp" "$dir/rc"
    ) >/dev/null 2>"$dir/images.log" </dev/null &
    echo "branch-env image push started in the background (pid $!): the deploy waits for it"
    ;;
  wait)
    limit="${IMAGE_PUSH_TIMEOUT_SECONDS:-1800}"
    waited=0
    until [ -f "$dir/rc" ]; do
      if [ ! -d "$dir" ]; then
        echo "::error::no image push was started (run this script with 'start' first)"
        exit 1
      fi
      if [ "$waited" -ge "$limit" ]; then
        cat "$dir/images.log" || true
        echo "::error::branch-env image push did not finish within ${limit} s"
        exit 1
      fi
      sleep 2
      waited=$((waited + 2))
    done
    cat "$dir/images.log"
    rc="$(cat "$dir/rc")"
    if [ "$rc" != 0 ]; then
      echo "::error::branch-env image push failed (exit $rc): the deploy does not run without its images"
    fi
    exit "$rc"
    ;;
  *)
    echo "usage: image-push.sh start|wait" >&2
    exit 2
    ;;
esac
