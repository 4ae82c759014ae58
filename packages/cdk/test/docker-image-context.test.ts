import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dockerImage } from '../src/private/paths.js';

describe('dockerImage build context', () => {
  it('always leaves out dependencies, git, cloud assemblies and the workflows’ .branch-env checkout', () => {
    const context = mkdtempSync(join(tmpdir(), 'context-'));
    mkdirSync(join(context, 'app'));
    writeFileSync(join(context, 'app/Dockerfile'), 'FROM scratch\n');
    const image = dockerImage(context, 'app/Dockerfile');
    expect(image.exclude).toEqual(
      expect.arrayContaining(['**/node_modules', '.git', '**/cdk.out', '.branch-env']),
    );
  });

  it('keeps the per-Dockerfile ignore file’s patterns beside them', () => {
    const context = mkdtempSync(join(tmpdir(), 'context-'));
    mkdirSync(join(context, 'app'));
    writeFileSync(join(context, 'app/Dockerfile'), 'FROM scratch\n');
    writeFileSync(join(context, 'app/Dockerfile.dockerignore'), '# comment\ndocs\n\n*.md\n');
    const image = dockerImage(context, 'app/Dockerfile');
    expect(image.exclude?.slice(0, 2)).toEqual(['docs', '*.md']);
    expect(image.exclude).toContain('.branch-env');
  });
});
