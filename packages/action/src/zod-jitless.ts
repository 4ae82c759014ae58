import { config } from 'zod';

/**
 * The action parses one config once per process. zod's JIT compiles a fast path (`new Function`)
 * for each object schema when it is created, which costs more than it saves for a single parse, and
 * it is evaluated code we do not need in a runner. This module is imported first by index.ts so the
 * setting is in place before @branch-env/core creates its schemas.
 */
config({ jitless: true });
