/** Where a service was found: here, in the baseline (fallback), or nowhere. */
export interface ServiceLocation {
  readonly service: string;
  readonly url: string | null;
  /** The environment whose config answered, null when nothing did. */
  readonly environment: string | null;
  /** True when this environment does not publish the service and the baseline's URL is used. */
  readonly fallback: boolean;
  /** True when SSM is unavailable and the last good value is served. */
  readonly stale?: boolean;
  /** Why the URL is missing. */
  readonly error?: string;
}

interface ConfigCheck {
  readonly ok: boolean;
  readonly detail: string;
}

/** The port through which the service reads its environment's configuration. */
export interface ConfigSource {
  readonly kind: 'config-bus' | 'environment-variables';
  /** Readiness: does the configuration store answer? */
  check(): Promise<ConfigCheck>;
  get(key: string): Promise<string | undefined>;
  serviceUrl(service: string): Promise<ServiceLocation>;
}
