// npm run deploy: build and push the ARM64 image, bump IMAGE_VERSION on the runtime, rotate the
// session onto it without a gap (see lib/rollout.ts), and remember the new version and session in
// infra/deploy-state.json so a later `cdk deploy` keeps them.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { currentSessionId, resolveRuntime, resolveTableName } from './lib/aws.js';
import { CliError } from './lib/cli.js';
import { buildWithCodeBuild, buildWithDocker, chooseBuilder, dockerBuildxAvailable, runCommand } from './lib/image.js';
import { runOperatorCli } from './lib/operator-cli.js';
import { REPO_ROOT } from './lib/options.js';
import { rollOut, rollOutWithRotation } from './lib/rollout.js';
import { waitOptionsFromEnv } from './lib/wait.js';

const USAGE = `npm run deploy -- [flags]
  --builder docker|codebuild|skip   default: docker if buildx and a daemon are here, else codebuild
  --image-version V                 default: v<UTC time>-<git short sha>
  --image-only                      build and push only (first deploy, before the runtime exists)
  --strategy rotate|restart         rotate (default): a successor takes over from the running session
                                    without a gap; restart: start a new session, stop the old one
  plus --runtime-arn, --qualifier, --session-id, --function-name, --table-name, --region, --outputs-file, --state-file
Env: AGENTCORE_RUNTIME_ARN, AGENTCORE_QUALIFIER, KEEPALIVE_FUNCTION_NAME, ROTATION_TABLE_NAME, ECR_REPOSITORY_URI, IMAGE_TAG,
     CODEBUILD_PROJECT_NAME, SOURCE_BUCKET_NAME, DEPLOY_POLL_INTERVAL_MS, DEPLOY_TIMEOUT_MS (see docs/deploy.md)`;

const FLAGS = {
  builder: { type: 'string' }, 'image-version': { type: 'string' }, 'image-only': { type: 'boolean' }, strategy: { type: 'string' },
} as const;

const log = (line: string): void => console.log(`deploy: ${line}`);

await runOperatorCli({ usage: USAGE, flags: FLAGS }, process.argv.slice(2), process.env, async ({ flags, env, options, clients }) => {
  const imageVersion = typeof flags['image-version'] === 'string' ? flags['image-version'] : defaultImageVersion();
  if (!/^[\w][\w.-]{0,127}$/.test(imageVersion)) throw new CliError(`--image-version "${imageVersion}" is not a valid image tag`);
  const { pollMs, timeoutMs } = waitOptionsFromEnv(env);
  const imageOnly = flags['image-only'] === true;
  const strategy = flags.strategy ?? 'rotate';
  if (strategy !== 'rotate' && strategy !== 'restart') throw new CliError(`--strategy must be rotate or restart, got "${String(strategy)}"`);
  // Found before the (slow) build, so a wrong runtime or a missing rotation table fails in seconds.
  const runtime = imageOnly ? undefined : await resolveRuntime(options, clients.control);
  const tableName = imageOnly || strategy !== 'rotate' ? undefined : await resolveTableName(options, clients.lambda);
  if (runtime !== undefined && strategy === 'rotate' && tableName === undefined) {
    throw new CliError(
      'No rotation table known (RotationTableName output, ROTATION_TABLE_NAME or --table-name). Deploy the stack first ' +
        '(npm run cdk:deploy creates it), or pass --strategy restart for the stop-and-start roll.',
    );
  }
  const oldSessionId = imageOnly || strategy === 'rotate' ? undefined : await currentSessionId(options, clients).catch((error: unknown) => {
    if (error instanceof CliError) return undefined; // no session to replace yet
    throw error;
  });

  const builder = chooseBuilder(typeof flags.builder === 'string' ? flags.builder : undefined, dockerBuildxAvailable);
  const request = { root: REPO_ROOT, repositoryUri: options.repositoryUri, imageTag: options.imageTag, imageVersion,
    projectName: options.projectName, sourceBucket: options.sourceBucket, pollMs, log };
  if (builder === 'docker') await buildWithDocker(request, clients, runCommand);
  else if (builder === 'codebuild') await buildWithCodeBuild(request, clients);
  else log('skipping the image build (--builder skip): the runtime pulls whatever the tag points at');
  if (runtime === undefined) {
    writeState(options.stateFile, { imageVersion, ...(options.stateSessionId === undefined ? {} : { sessionId: options.stateSessionId }) });
    return log(`pushed image ${imageVersion}; now deploy the runtime: npm run cdk:deploy`);
  }

  const rolloutOptions = { pollMs, timeoutMs, log };
  const result = tableName === undefined
    ? await rollOut(clients, { ...runtime, qualifier: options.qualifier, imageVersion, oldSessionId, functionName: options.functionName }, rolloutOptions)
    : await rollOutWithRotation(clients, { ...runtime, qualifier: options.qualifier, imageVersion, tableName, functionName: options.functionName }, rolloutOptions);
  writeState(options.stateFile, { imageVersion, sessionId: result.sessionId });
  log(`done: image ${imageVersion}, runtime version ${result.version}, session ${result.sessionId}`);
});

/** Read by the CDK app, so a later `cdk deploy` keeps this image version and session id. */
function writeState(file: string, state: { imageVersion: string; sessionId?: string }): void {
  writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`);
}

function defaultImageVersion(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, '').replace('T', '-');
  let sha = 'nogit';
  try {
    sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim() || sha;
  } catch {
    // Not a git checkout (or no commit yet): the timestamp alone keeps versions unique.
  }
  return `v${stamp}-${sha}`;
}
