#!/usr/bin/env bash
# CDK_DOCKER of the deploy jobs: the `docker` that CDK (cdk-assets) runs to build and push the
# services' image assets. CDK builds each image with `docker build --platform linux/arm64` (or
# linux/amd64): the service's `architecture` in the config. This turns that build into a buildx
# build on the builder docker/setup-buildx-action made (QEMU from docker/setup-qemu-action runs
# the other architecture's RUN steps), loaded into the engine (--load) so that CDK can tag and
# push it, with a layer cache in the GitHub Actions cache (type=gha, one scope per image and
# platform) when the job exposes the cache runtime (crazy-max/ghaction-github-runtime). Every
# other command (login, tag, push, inspect) goes to docker unchanged.
set -euo pipefail

if [ "${1:-}" != build ]; then
  exec docker "$@"
fi
shift
file=Dockerfile target="" platform=""
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[i]}" in
    --file) file="${args[i + 1]:-}" ;;
    --target) target="${args[i + 1]:-}" ;;
    --platform) platform="${args[i + 1]:-}" ;;
  esac
done
cache=()
if [ -n "${ACTIONS_RUNTIME_TOKEN:-}" ]; then
  # The context directory (cwd), Dockerfile, target and platform name the image, not its content.
  scope="branch-env-$(printf '%s\n' "$PWD" "$file" "$target" "$platform" | sha256sum | cut -c1-16)"
  cache=(--cache-from "type=gha,scope=$scope" --cache-to "type=gha,mode=max,scope=$scope")
fi
exec docker buildx build --load "${cache[@]}" "$@"
