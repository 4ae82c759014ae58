/**
 * The AWS SDK's `NodeVersionSupportWarning` (8 lines on Node < 22, emitted as a plain `Warning`
 * whose message starts with that name) is noise for a CLI user: drop exactly that warning and let
 * every other one through unchanged. Installed once by the process entry point (`bin/branch-env.js`).
 */
const SDK_NODE_WARNING = 'NodeVersionSupportWarning';

export function isSdkNodeVersionWarning(warning: unknown, type?: unknown): boolean {
  const name = warning instanceof Error ? warning.name : type;
  const message = warning instanceof Error ? warning.message : warning;
  return (
    name === SDK_NODE_WARNING ||
    (typeof message === 'string' && message.startsWith(`${SDK_NODE_WARNING}:`))
  );
}

export function dropSdkNodeVersionWarning(
  target: Pick<NodeJS.Process, 'emitWarning'> = process,
): void {
  const emit = target.emitWarning.bind(target) as (...args: unknown[]) => void;
  target.emitWarning = ((warning: unknown, ...rest: unknown[]) => {
    const options = rest[0];
    const type =
      typeof options === 'string'
        ? options
        : typeof options === 'object' && options !== null
          ? (options as { type?: unknown }).type
          : undefined;
    if (isSdkNodeVersionWarning(warning, type)) return;
    emit(warning, ...rest);
  }) as NodeJS.Process['emitWarning'];
}
