import { z } from 'zod';
import { JOB_RUN_MAX_MINUTES } from '../services/job-run.js';

/**
 * The user's application in the config: `services`, `jobs` and `site` (top-level keys) and the
 * per-profile size overrides `profiles.<p>.services.<name>`. Imported by `schema.ts`; the checks
 * that look across entries (a job naming an unknown service, two services on one route, a
 * Dockerfile that does not exist) are in `service-checks.ts`.
 */

/** Names of services and jobs: container names, log streams, Service Connect DNS names. */
const unitName = z
  .string()
  .regex(
    /^[a-z]([a-z0-9-]{0,22}[a-z0-9])?$/,
    'a service or job name: 1-24 lowercase letters, digits and -, starting with a letter',
  );

/** An environment variable name; secret names are environment variable names too. */
const ENV_VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const envVarName = z
  .string()
  .max(255)
  .regex(
    ENV_VAR_NAME,
    'an environment variable name: letters, digits and _, not starting with a digit',
  );

/**
 * A secret's name: the environment variable the service receives it as, and the last segment of
 * its Secrets Manager name (`/<app>/<env>/secrets/<NAME>`).
 */
export const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const secretName = z
  .string()
  .regex(SECRET_NAME, 'a secret name: up to 128 letters, digits and _, not starting with a digit');

/** Relative path inside the repository (forward slashes, no `..` escaping it). */
const relativePath = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith('/') && !/^[A-Za-z]:/.test(p), 'a path relative to the config file')
  .refine((p) => !p.split(/[\\/]/).includes('..'), 'a path inside the repository (no ..)');

/**
 * An Application Load Balancer path pattern (case sensitive, `*` and `?` wildcards, at most 128
 * characters). `/` is the default route: every request no other route takes.
 */
const route = z
  .string()
  .regex(
    /^\/[A-Za-z0-9_\-.$/~"'@:+*?&]{0,127}$/,
    'a path pattern such as / or /api/*: starts with /, at most 128 of A-Z a-z 0-9 _ - . $ / ~ " \' @ : + & and the wildcards * ?',
  );

const architecture = z.enum(['arm64', 'x86_64']);
const cpu = z.union(
  [256, 512, 1024, 2048, 4096].map((c) => z.literal(c)),
  {
    error: 'Fargate task CPU units: one of 256, 512, 1024, 2048 or 4096',
  },
);
const memoryMiB = z.int().min(512).max(30_720);
const taskCount = z.int().min(0).max(100);

const BuildSchema = z
  .strictObject({
    context: relativePath
      .default('.')
      .meta({ description: 'Docker build context, relative to the config file. @default .' }),
    dockerfile: relativePath.default('Dockerfile').meta({
      description: 'Dockerfile, relative to `context` (as in Docker Compose). @default Dockerfile',
    }),
    target: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'a build stage name')
      .optional()
      .meta({ description: 'Build stage to stop at (`docker build --target`). @default the last' }),
    args: z.record(envVarName, z.string()).optional().meta({
      description: 'Build arguments (`--build-arg`); never secrets: they stay in the image.',
    }),
  })
  .meta({
    description: 'Build the image from a Dockerfile (a CDK image asset, pushed on deploy).',
  });

const image = z
  .string()
  .min(1)
  .max(1024)
  .regex(/^\S+$/, 'an image reference such as public.ecr.aws/nginx/nginx:1.27')
  .meta({ description: 'A prebuilt image the task pulls, e.g. public.ecr.aws/nginx/nginx:1.27.' });

const command = z.array(z.string()).min(1).meta({
  description: 'Command in exec form, replacing the image CMD, e.g. ["npm", "run", "migrate"].',
});

const environment = z
  .record(envVarName, z.string())
  .meta({ description: 'Plain, non-secret environment variables.' });

const secrets = z.array(secretName).meta({
  description:
    'Secrets the container receives as environment variables of the same name, read by ECS from Secrets Manager at task start (never in the task definition). Set them with `branch-env secret set <NAME>`.',
});

const ExposeSchema = z
  .union(
    [
      z.strictObject({
        routes: z.array(route).min(1).meta({
          description:
            'Path patterns on the environment host; "/" takes every request no other route takes.',
        }),
      }),
      z.literal('internal'),
      z.literal('none'),
    ],
    {
      error:
        'how the service is reached: { "routes": ["/", "/api/*"] } on the environment host, "internal" (other services only) or "none" (a worker)',
    },
  )
  .meta({
    description:
      '{ routes: [...] }: on the environment host behind the load balancer. "internal": only other services of the environment reach it, at http://<name>:<port> (ECS Service Connect). "none": a worker, reached by nothing.',
  });

export const ServiceSchema = z
  .strictObject({
    build: BuildSchema.optional(),
    image: image.optional(),
    port: z
      .int()
      .min(1)
      .max(65_535)
      .optional()
      .meta({ description: 'Port the container listens on; needed unless expose is "none".' }),
    healthCheck: z
      .strictObject({
        path: z
          .string()
          .regex(/^\/\S{0,1023}$/, 'a path such as /healthz')
          .meta({ description: 'Path the load balancer requests; 200 means healthy (liveness).' }),
        gracePeriodSeconds: z.int().min(0).max(2_147_483).default(60).meta({
          description: 'Time a new task has before failed health checks count. @default 60',
        }),
      })
      .optional()
      .meta({ description: 'Needed when the service has routes.' }),
    cpu: cpu.optional().meta({ description: 'Fargate CPU units. @default the profile task.cpu' }),
    memoryMiB: memoryMiB.optional().meta({ description: '@default the profile task.memoryMiB' }),
    architecture: architecture.optional().meta({
      description:
        'CPU architecture the image is built for and runs on. @default the profile task.architecture',
    }),
    minTasks: taskCount.optional().meta({ description: '@default the profile task.minTasks' }),
    maxTasks: taskCount
      .min(1)
      .optional()
      .meta({ description: '@default the profile task.maxTasks' }),
    command: command.optional(),
    environment: environment.default({}),
    secrets: secrets.default([]),
    expose: ExposeSchema,
  })
  .meta({
    description:
      'A container service of the application: `build` or `image`, and how it is reached.',
  });

export const JobSchema = z
  .strictObject({
    service: unitName
      .optional()
      .meta({ description: "Run in this service's image with its environment and secrets." }),
    build: BuildSchema.optional(),
    image: image.optional(),
    command,
    when: z.enum(['before-traffic', 'first-create']).default('before-traffic').meta({
      description:
        'before-traffic: on every deploy of a new commit or new job settings (a new task definition revision), before the stack updates its services; a failure fails the deploy and rolls the stack back. first-create: only on the deploy that creates the environment (seed a fresh preview database). @default before-traffic',
    }),
    profiles: z.array(z.string().min(1)).optional().meta({
      description:
        'Run only in environments of these profiles (e.g. a seed on previews). @default every profile',
    }),
    environment: environment.default({}),
    secrets: secrets.default([]),
    timeoutMinutes: z
      .int()
      .min(1)
      .max(JOB_RUN_MAX_MINUTES)
      .default(10)
      .meta({
        description: `The job is stopped and fails the deploy after this long. At most ${JOB_RUN_MAX_MINUTES}: the deploy waits for it inside one Lambda invocation (docs/services.md#jobs). @default 10`,
      }),
  })
  .meta({
    description:
      'A one-off task run on each deploy (migrations, seeding): `service`, `build` or `image`, and a command.',
  });

export const SiteSchema = z
  .strictObject({
    build: z.string().min(1).optional().meta({
      description:
        'Command that builds the site, run from the config file folder, e.g. npm run build -w apps/web.',
    }),
    directory: relativePath.meta({
      description: 'The built site, relative to the config file, e.g. apps/web/dist.',
    }),
  })
  .meta({
    description:
      'A static site served on the environment URL (routes of services take precedence).',
  });

/** Size and counts of one service in one profile; unset fields keep the service's. */
const ServiceOverrideSchema = z
  .strictObject({
    cpu: cpu.optional(),
    memoryMiB: memoryMiB.optional(),
    spot: z.boolean().optional(),
    minTasks: taskCount.optional(),
    maxTasks: taskCount.min(1).optional(),
  })
  .meta({ description: 'Size and counts of a service in this profile.' });

export const ServicesSchema = z.record(unitName, ServiceSchema).meta({
  description:
    "The services of the application by name. Without this key an environment runs branch-env's sample service.",
});
export const JobsSchema = z
  .record(unitName, JobSchema)
  .meta({ description: 'One-off tasks by name.' });
export const ProfileServicesSchema = z
  .record(unitName, ServiceOverrideSchema)
  .meta({ description: 'Per-service size overrides in this profile, by service name.' });

export type Build = z.output<typeof BuildSchema>;
export type ServiceConfig = z.output<typeof ServiceSchema>;
export type JobConfig = z.output<typeof JobSchema>;
export type SiteConfig = z.output<typeof SiteSchema>;
export type Expose = z.output<typeof ExposeSchema>;
export type ServiceOverride = z.output<typeof ServiceOverrideSchema>;
