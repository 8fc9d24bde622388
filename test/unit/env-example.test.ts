// Keeps the docs true: every variable the bot reads is in .env.example and in the README.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { environmentSchema } from '../../src/config/schema.js';

test('.env.example and README.md document every variable the config schema reads', () => {
  const example = readFileSync('.env.example', 'utf8');
  const readme = readFileSync('README.md', 'utf8');
  const listed = new Set([...example.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]));
  for (const name of Object.keys(environmentSchema.shape)) {
    assert.ok(listed.has(name), `${name} is missing from .env.example`);
    assert.ok(readme.includes(`\`${name}\``), `${name} is missing from README.md`);
  }
});
