import Fastify, { LogController } from 'fastify';
import type { FastifyError, FastifyInstance, FastifyServerOptions } from 'fastify';
import type { ConfigSource } from './config/config-source.js';
import { AttachmentsUnavailableError } from './items/item-service.js';
import type { ItemService } from './items/item-service.js';
import type { EmfMetrics } from './observability/emf-metrics.js';
import { registerEnvRoutes } from './routes/env-routes.js';
import type { Identity } from './routes/env-routes.js';
import { HEALTH_PATHS, registerHealthRoutes } from './routes/health-routes.js';
import type { Lifecycle } from './routes/health-routes.js';
import { errorBody } from './routes/http-errors.js';
import { registerItemRoutes } from './routes/item-routes.js';
import { isText, TEXT_FORMAT, TEXT_FORMAT_MESSAGE } from './routes/schemas.js';
import type { ItemStore } from './storage/item-store.js';

export { HEALTH_PATHS };

export interface AppDependencies {
  readonly identity: Identity;
  readonly store: ItemStore;
  readonly items: ItemService;
  readonly config: ConfigSource;
  readonly discoverServices?: readonly string[];
  readonly metrics?: EmfMetrics | undefined;
  readonly lifecycle?: Lifecycle;
  /** Fastify's pino options (JSON lines on stdout) or false (tests). @default false */
  readonly logger?: FastifyServerOptions['logger'];
}

/** Pattern failures in words (ajv would print the regular expression). */
const PATTERN_MESSAGES: Readonly<Record<string, string>> = {
  '/id': 'must be an item id (a lowercase UUID)',
  '/name': 'must contain a non-space character',
  '/fileName': 'must not contain control characters, / or \\',
  '/contentType': 'must be a lowercase media type such as image/png',
};

/** Fastify's own 4xx errors under stable, readable codes. */
const ERROR_CODES: Readonly<Record<string, string>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_BODY_TOO_LARGE: 'body_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_content_length',
};

const QUIET_PATHS = new Set<string>([HEALTH_PATHS.liveness, HEALTH_PATHS.readiness]);

export function buildApp(deps: AppDependencies): FastifyInstance {
  const app = Fastify({
    logger: deps.logger ?? false,
    // One line per response from the onResponse hook below instead of fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 64 * 1024,
    // The load balancer's trace id ties log lines to ALB access logs.
    requestIdHeader: 'x-amzn-trace-id',
    ajv: {
      // Reject unknown properties and wrong types with a 400 instead of silently fixing them.
      customOptions: {
        removeAdditional: false,
        coerceTypes: false,
        allErrors: true,
        formats: { [TEXT_FORMAT]: { type: 'string', validate: isText } },
      },
    },
  });
  const lifecycle = deps.lifecycle ?? { draining: false };

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error.validation) {
      const context = error.validationContext ?? 'request';
      const details = error.validation.map((v) => {
        const missing = (v.params as { missingProperty?: string }).missingProperty;
        const extra = (v.params as { additionalProperty?: string }).additionalProperty;
        const path =
          `${v.instancePath}${missing ? `/${missing}` : extra ? `/${extra}` : ''}` || '/';
        const message = extra
          ? `unknown property '${extra}'`
          : v.keyword === 'pattern'
            ? (PATTERN_MESSAGES[path] ?? v.message ?? 'is invalid')
            : v.keyword === 'format' && (v.params as { format?: string }).format === TEXT_FORMAT
              ? TEXT_FORMAT_MESSAGE
              : (v.message ?? 'is invalid');
        return { path, message };
      });
      return reply
        .code(400)
        .send(
          errorBody(
            'validation_failed',
            `${context} is invalid: ${details.map((d) => `${d.path} ${d.message}`).join('; ')}`,
            details,
          ),
        );
    }
    if (error instanceof AttachmentsUnavailableError)
      return reply.code(503).send(errorBody('attachments_unavailable', error.message));
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500)
      return reply
        .code(status)
        .send(
          errorBody(
            ERROR_CODES[error.code] ?? (error.code ?? 'bad_request').toLowerCase(),
            error.message,
          ),
        );
    request.log.error({ err: error }, 'request failed');
    return reply
      .code(500)
      .send({ ...errorBody('internal_error', 'internal error'), requestId: request.id });
  });

  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send(errorBody('not_found', `no route ${request.method} ${request.url.split('?')[0]}`)),
  );

  // While draining, every response closes its connection: otherwise a keep-alive connection (the
  // ALB keeps them open; fastify's keepAliveTimeout is 72 s) holds app.close() past ECS's stop
  // timeout and the task is killed mid-request.
  app.addHook('onSend', async (_request, reply, payload) => {
    if (lifecycle.draining) reply.header('connection', 'close');
    return payload;
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? '(unmatched)';
    if (QUIET_PATHS.has(route)) return;
    const latencyMs = reply.elapsedTime;
    deps.metrics?.request({
      latencyMs,
      method: request.method,
      route,
      statusCode: reply.statusCode,
    });
    request.log.info(
      {
        method: request.method,
        route,
        statusCode: reply.statusCode,
        latencyMs: Math.round(latencyMs * 10) / 10,
      },
      'request',
    );
  });

  registerHealthRoutes(app, { store: deps.store, config: deps.config, lifecycle });
  registerEnvRoutes(app, {
    identity: deps.identity,
    config: deps.config,
    items: deps.items,
    discoverServices: deps.discoverServices ?? [],
  });
  registerItemRoutes(app, deps.items);
  return app;
}
