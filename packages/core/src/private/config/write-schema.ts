import { writeFileSync } from 'node:fs';
import { configJsonSchema } from './schema.js';

/** `npm run schema`: write the JSON Schema of branch-env.config.json to the given path. */
const target = process.argv[2] ?? 'branch-env.schema.json';
writeFileSync(target, `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
console.log(`wrote ${target}`);
