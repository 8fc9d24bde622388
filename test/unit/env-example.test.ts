// Keeps the docs true: every variable the bot reads is in .env.example and in docs/configuration.md.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { environmentSchema } from '../../src/config/schema.js';

test('.env.example and docs/configuration.md document every variable the config schema reads', () => {
  const example = readFileSync('.env.example', 'utf8');
  const reference = readFileSync('docs/configuration.md', 'utf8');
  const listed = new Set([...example.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]));
  // A row of the table: the name in backticks in the first cell, alone or with its siblings.
  const tabled = new Set([...reference.matchAll(/^\|([^|]+)\|/gm)].flatMap((m) => [...(m[1] ?? '').matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((n) => n[1])));
  for (const name of Object.keys(environmentSchema.shape)) {
    assert.ok(listed.has(name), `${name} is missing from .env.example`);
    assert.ok(tabled.has(name), `${name} is missing from the table in docs/configuration.md`);
  }
});
