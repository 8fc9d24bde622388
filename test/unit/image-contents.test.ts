// The run image's content rules (scripts/image/image-contents.ts) on made-up file lists: a clean
// image passes, and each thing the image must not hold is caught and named.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { checkAppTree, checkNodeModules, checkSystemTools, type ImageFacts } from '../../scripts/image/image-contents.js';

const runtimeDeps = Object.keys((JSON.parse(readFileSync('package.json', 'utf8')) as { dependencies: Record<string, string> }).dependencies);

const CLEAN = [
  'usr/bin/sh', 'usr/bin/bash', 'usr/bin/perl', 'usr/local/bin/node', 'usr/local/bin/npm',
  'usr/local/lib/node_modules/npm/node_modules/node-gyp/package.json',
  'app', 'app/package.json', 'app/package-lock.json', 'app/dist', 'app/dist/main.js', 'app/dist/main.js.map',
  'app/node_modules', ...runtimeDeps.map((name) => `app/node_modules/${name}/package.json`),
];

const facts = (extra: string[] = [], without: string[] = []): ImageFacts => ({
  image: 'test', sizeBytes: 0, paths: new Set([...CLEAN, ...extra].filter((p) => !without.includes(p))),
});

const allChecks = (f: ImageFacts) => {
  checkAppTree(f);
  checkNodeModules(f, process.cwd());
  checkSystemTools(f);
};

test('a clean run image passes every content check', () => {
  assert.doesNotThrow(() => allChecks(facts()));
});

test('sources, tests, .env files and a missing entry point are caught', () => {
  assert.throws(() => checkAppTree(facts(['app/src', 'app/src/main.ts'])), /unexpected entries in \/app: \/app\/src/);
  assert.throws(() => checkAppTree(facts(['app/test', 'app/test/unit/x.test.ts'])), /\/app\/test/);
  assert.throws(() => checkAppTree(facts(['app/.env'])), /\/app\/\.env/);
  assert.throws(() => checkAppTree(facts(['root/.env.production'])), /\.env files in the image: \/root\/\.env\.production/);
  assert.throws(() => checkAppTree(facts(['app/dist/core/queue.test.js'])), /tests or TypeScript sources in \/app\/dist/);
  assert.throws(() => checkAppTree(facts([], ['app/dist/main.js'])), /\/app\/dist\/main\.js is missing/);
});

test('dev dependencies and build tools in node_modules are caught, nested ones too', () => {
  assert.throws(() => checkNodeModules(facts(['app/node_modules/typescript/package.json']), process.cwd()), /dev-only packages in \/app\/node_modules: node_modules\/typescript/);
  assert.throws(() => checkNodeModules(facts(['app/node_modules/aws-cdk-lib/package.json']), process.cwd()), /aws-cdk-lib/);
  assert.throws(() => checkNodeModules(facts(['app/node_modules/express/node_modules/esbuild/package.json']), process.cwd()), /build tools in \/app\/node_modules: node_modules\/express\/node_modules\/esbuild/);
  assert.throws(() => checkNodeModules(facts(['app/node_modules/@esbuild/linux-arm64/package.json']), process.cwd()), /@esbuild\/linux-arm64/);
});

test('a runtime dependency missing from node_modules is caught', () => {
  assert.throws(() => checkNodeModules(facts([], ['app/node_modules/@slack/bolt/package.json']), process.cwd()), /runtime dependencies missing from \/app\/node_modules: @slack\/bolt/);
});

test('compilers, make and python are caught; the shell and node must be there', () => {
  for (const tool of ['usr/bin/gcc', 'usr/bin/gcc-12', 'usr/bin/make', 'usr/bin/python3', 'usr/bin/python3.11', 'usr/local/bin/cc', 'usr/bin/clang']) {
    assert.throws(() => checkSystemTools(facts([tool])), new RegExp(`build tools in the image: /${tool.replace(/\./g, '\\.')}`), tool);
  }
  assert.throws(() => checkSystemTools(facts([], ['usr/local/bin/node'])), /missing from the image: usr\/local\/bin\/node/);
  assert.throws(() => checkSystemTools(facts([], ['usr/bin/sh'])), /missing from the image: bin\/sh/);
});
