// Proves the image recipe without a Docker engine: the Dockerfile lints clean and has the shape
// AgentCore needs (ARM64 run stage from the ECR Public mirror, non-root 1000, port 8080, exec-form
// entrypoint); buildspec.yml is valid; and what the run stage runs - the build stage's bundle,
// `node dist/main.js` over a clean `npm ci --omit=dev` - starts, serves /ping and /invocations, holds
// no dev dependency, answers on Slack and Discord (their lazily loaded chunks), and exits on SIGTERM.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DockerfileParser } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import { parse as parseYaml } from 'yaml';
import { REPO_ROOT, startBot } from '../fakes/agentcore/bot-process.js';
import { startFakeBedrock } from '../fakes/bedrock/index.js';
import { startFakeDiscord } from '../fakes/discord/index.js';
import { startFakeSlack } from '../fakes/slack/index.js';
import { BRIDGE_NODE_FLAGS, BUILD_INPUTS, stageBuild } from '../helpers/built-bridge.js';
import { discordEnv, slackEnv } from '../helpers/env.js';
import { eventually } from '../helpers/wait.js';

const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');

describe('Dockerfile', () => {
  it('lints clean, and the linter does flag a broken file', () => {
    assert.deepEqual(validate(dockerfile).map((d) => `${d.range.start.line + 1}: ${JSON.stringify(d.message)}`), []);
    assert.ok(validate('FROM node:22-slim\nEXPOSE eighty\nENTRYPOINT node main.js\nCMD ["a"\n').length > 0);
  });

  it('runs an arm64 Node 22 slim stage as uid 1000 on 8080 with an exec-form entrypoint', () => {
    const stages = DockerfileParser.parse(dockerfile).getFROMs();
    assert.equal(stages.length, 2);
    const run = stages.at(-1)!;
    assert.equal(run.getFlags().find((f) => f.getName() === 'platform')?.getValue(), 'linux/arm64');
    assert.match(dockerfile, /^ARG NODE_IMAGE=public\.ecr\.aws\/docker\/library\/node:22-slim$/m);
    const runStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    assert.match(runStage, /^RUN npm ci --omit=dev /m);
    assert.match(runStage, /^ENV NODE_ENV=production/m);
    assert.match(runStage, /^USER 1000:1000$/m);
    assert.match(runStage, /^EXPOSE 8080$/m);
    const entrypoint = `ENTRYPOINT ${JSON.stringify(['node', ...BRIDGE_NODE_FLAGS, 'dist/main.js']).replaceAll('","', '", "')}`;
    assert.ok(runStage.split('\n').includes(entrypoint), `run stage has ${entrypoint}`);
    assert.doesNotMatch(runStage, /^(ENV)?\s+NODE_OPTIONS=/m, 'no flags hidden in NODE_OPTIONS');
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    assert.ok(pkg.scripts.start?.endsWith(`&& node ${BRIDGE_NODE_FLAGS.join(' ')} dist/main.js`), 'npm start runs the flags the image runs');
    assert.match(runStage, /^COPY --from=build \/app\/dist \.\/dist$/m);
  });

  it('.dockerignore lets in exactly what the Dockerfile copies', () => {
    const lines = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
    assert.equal(lines[0], '*', 'allowlist: ignore everything first');
    const allowed = lines.slice(1).map((l) => l.replace(/^!/, '').replace(/\/$/, ''));
    const copied = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1]!.split(' '));
    assert.deepEqual([...new Set(copied)].sort(), [...allowed].sort());
    // The tests' builds (test/helpers/built-bridge.ts) copy the same files before `npm run`.
    assert.deepEqual([...new Set(copied)].sort(), [...BUILD_INPUTS].sort());
  });
});

describe('buildspec.yml', () => {
  it('logs in, builds for linux/arm64 and pushes both tags, in valid shell', () => {
    const spec = parseYaml(readFileSync(join(REPO_ROOT, 'buildspec.yml'), 'utf8')) as { version: number; phases: Record<string, { commands: string[] }> };
    assert.equal(spec.version, 0.2);
    const commands = Object.values(spec.phases).flatMap((p) => p.commands);
    assert.ok(commands.some((c) => c.includes('docker login --username AWS --password-stdin')));
    assert.ok(commands.some((c) => c.startsWith('DOCKER_BUILDKIT=1 docker build --platform linux/arm64') && c.includes('$ECR_REPOSITORY_URI:$IMAGE_TAG') && c.includes('$ECR_REPOSITORY_URI:$IMAGE_VERSION')));
    assert.deepEqual(commands.filter((c) => c.startsWith('docker push')).length, 2);
    const check = spawnSync('bash', ['-n'], { input: commands.join('\n'), encoding: 'utf8' });
    assert.equal(check.status, 0, check.stderr);
  });
});

describe('the run stage, without Docker', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'bridge-image-'));
  const work = join(scratch, 'app');
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it('starts `node dist/main.js` from production dependencies only and serves /ping', { timeout: 300_000 }, async () => {
    // The build stage: the files it copies, then `npm run build` (type-check, then bundle).
    const built = await stageBuild(join(scratch, 'build'), 'build');
    cpSync(dirname(built), join(work, 'dist'), { recursive: true });
    for (const file of ['package.json', 'package-lock.json']) copyFileSync(join(REPO_ROOT, file), join(work, file));
    const install = await exec('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'], work);
    assert.equal(install.code, 0, install.output);

    // Some devDependencies are also needed at run time by production packages (ws by discord.js,
    // @types/express by Bolt); the lock file marks what only development needs with "dev": true.
    const lock = JSON.parse(readFileSync(join(work, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
    const devOnly = Object.entries(lock.packages).filter(([, entry]) => entry.dev === true).map(([path]) => path);
    assert.ok(devOnly.length > 100);
    assert.deepEqual(devOnly.filter((path) => existsSync(join(work, path))), [], 'dev-only packages in the production install');
    for (const name of ['aws-cdk-lib', 'aws-cdk', 'typescript', 'tsx', 'eslint', 'esbuild', '@aws-sdk/client-bedrock-agentcore-control']) {
      assert.ok(!existsSync(join(work, 'node_modules', name)), name);
    }

    const bot = await startBot({ args: [...BRIDGE_NODE_FLAGS, 'dist/main.js'], cwd: work, env: { NODE_ENV: 'production', IMAGE_VERSION: 'v-image-test' } });
    try {
      const ping = await fetch(`${bot.url}/ping`);
      assert.equal(ping.status, 200);
      const health = (await ping.json()) as { status: string; time_of_last_update: number };
      assert.ok(['Healthy', 'HealthyBusy'].includes(health.status));
      assert.ok(Number.isInteger(health.time_of_last_update));
      const answer = await fetch(`${bot.url}/invocations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-amzn-bedrock-agentcore-runtime-session-id': 'image-test-session-00000000000000000001' },
        body: JSON.stringify({ action: 'keepalive' }),
      });
      assert.deepEqual({ ...((await answer.json()) as object), uptime_seconds: 0, time_of_last_update: 0 }, {
        status: 'running', role: 'active', uptime_seconds: 0, image_version: 'v-image-test', session_id: 'image-test-session-00000000000000000001',
        ping_status: health.status, time_of_last_update: 0, platforms: { slack: 'disabled', discord: 'disabled' },
      });
    } finally {
      // SIGTERM is what AgentCore sends; the exec-form entrypoint makes node receive it directly.
      assert.equal(await bot.stop(12_000), 0);
    }
  });

  it('answers on Slack and Discord from the same install: their chunks load from the bundle', { timeout: 120_000 }, async (t) => {
    assert.ok(existsSync(join(work, 'dist', 'main.js')), 'the test above built and installed the run stage');
    const [slack, discord, bedrock] = await Promise.all([startFakeSlack(), startFakeDiscord(), startFakeBedrock()]);
    t.after(() => Promise.all([slack.close(), discord.close(), bedrock.close()]));
    const bot = await startBot({ args: [...BRIDGE_NODE_FLAGS, 'dist/main.js'], cwd: work, env: { NODE_ENV: 'production', ...slackEnv(slack, bedrock), ...discordEnv(discord, bedrock) } });
    try {
      await slack.waitForConnections(1, 20_000);
      await discord.waitForReady(1, 20_000);
      const fromSlack = slack.postUserMessage({ channel: 'CGENERAL', user: 'UALICE', text: '<@UBOT> from the image' });
      discord.sendUserMessage({ content: `<@${discord.botUser.id}> from the image` });
      await eventually(() => slack.botReplies('CGENERAL', fromSlack.ts).find((m) => m.text === 'Echo: from the image'), 15_000, 'slack answer');
      await eventually(() => discord.botMessages().find((m) => m.content === 'Echo: from the image'), 15_000, 'discord answer');
    } finally {
      assert.equal(await bot.stop(12_000), 0);
    }
  });
});

function exec(command: string, args: string[], cwd: string): Promise<{ code: number | null; output: string }> {
  const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, output })));
}
