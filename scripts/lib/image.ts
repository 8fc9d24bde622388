// Builds and pushes the ARM64 image, tagged with the moving tag the runtime pulls (`latest`) and
// the immutable version tag. Docker buildx when this machine has it and a running daemon;
// otherwise the stack's CodeBuild project, which builds natively on an ARM host.
import { spawnSync } from 'node:child_process';
import { BatchGetBuildsCommand, StartBuildCommand } from '@aws-sdk/client-codebuild';
import { GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { SOURCE_OBJECT_KEY } from '../../infra/lib/constants.js';
import type { Clients } from './aws.js';
import { CliError } from './cli.js';
import { until } from './wait.js';
import { collectSourceFiles, zipFiles } from './zip.js';

export type Builder = 'docker' | 'codebuild' | 'skip';

export interface ImageRequest {
  readonly root: string;
  readonly repositoryUri?: string | undefined;
  readonly imageTag: string;
  readonly imageVersion: string;
  readonly projectName?: string | undefined;
  readonly sourceBucket?: string | undefined;
  readonly pollMs: number;
  readonly log: (line: string) => void;
}

/** Runs a command with inherited output; `input` goes to stdin (used for the registry password). */
export type Run = (command: string, args: readonly string[], input?: string) => number;

export const runCommand: Run = (command, args, input) =>
  spawnSync(command, args, { stdio: [input === undefined ? 'inherit' : 'pipe', 'inherit', 'inherit'], input, timeout: 3_600_000 }).status ?? 1;

/** docker buildx with a reachable daemon, quietly probed. */
export function dockerBuildxAvailable(): boolean {
  const quiet = (args: string[]): boolean => spawnSync('docker', args, { stdio: 'ignore', timeout: 15_000 }).status === 0;
  return quiet(['buildx', 'version']) && quiet(['info']);
}

export function chooseBuilder(requested: string | undefined, hasBuildx: () => boolean): Builder {
  if (requested === 'docker' || requested === 'codebuild' || requested === 'skip') return requested;
  if (requested !== undefined) throw new CliError(`--builder must be docker, codebuild or skip, got "${requested}"`);
  return hasBuildx() ? 'docker' : 'codebuild';
}

export async function buildWithDocker(request: ImageRequest, clients: Clients, run: Run): Promise<void> {
  const uri = required(request.repositoryUri, 'ECR repository URI (ECR_REPOSITORY_URI or the RepositoryUri stack output)');
  const registry = uri.split('/')[0]!;
  const auth = await clients.ecr.send(new GetAuthorizationTokenCommand({}));
  const token = auth.authorizationData?.[0]?.authorizationToken;
  if (token === undefined) throw new CliError('ECR returned no authorization token');
  const password = Buffer.from(token, 'base64').toString('utf8').replace(/^AWS:/, '');
  request.log(`logging in to ${registry}`);
  if (run('docker', ['login', '--username', 'AWS', '--password-stdin', registry], password) !== 0) {
    throw new CliError(`docker login to ${registry} failed`);
  }
  request.log(`building ${uri}:${request.imageVersion} for linux/arm64 with docker buildx`);
  const args = ['buildx', 'build', '--platform', 'linux/arm64', '--provenance=false',
    '--build-arg', `IMAGE_VERSION=${request.imageVersion}`,
    '--tag', `${uri}:${request.imageTag}`, '--tag', `${uri}:${request.imageVersion}`, '--push', request.root];
  if (run('docker', args) !== 0) throw new CliError('docker buildx build failed (see its output above)');
}

export async function buildWithCodeBuild(request: ImageRequest, clients: Clients): Promise<void> {
  const project = required(request.projectName, 'CodeBuild project (CODEBUILD_PROJECT_NAME or the CodeBuildProjectName stack output)');
  const bucket = required(request.sourceBucket, 'source bucket (SOURCE_BUCKET_NAME or the SourceBucketName stack output)');
  const files = collectSourceFiles(request.root);
  for (const needed of ['Dockerfile', 'buildspec.yml', 'package.json', 'package-lock.json']) {
    if (!files.includes(needed)) throw new CliError(`${needed} is missing from ${request.root}; CodeBuild needs it`);
  }
  const zip = zipFiles(request.root, files);
  request.log(`uploading ${files.length} files (${Math.round(zip.length / 1024)} KiB) to s3://${bucket}/${SOURCE_OBJECT_KEY}`);
  await clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: SOURCE_OBJECT_KEY, Body: zip, ContentType: 'application/zip' }));
  const started = await clients.codebuild.send(new StartBuildCommand({
    projectName: project,
    environmentVariablesOverride: [
      { name: 'IMAGE_VERSION', value: request.imageVersion, type: 'PLAINTEXT' },
      { name: 'IMAGE_TAG', value: request.imageTag, type: 'PLAINTEXT' },
    ],
  }));
  const id = started.build?.id;
  if (id === undefined) throw new CliError('CodeBuild did not return a build id');
  request.log(`CodeBuild ${id} started; waiting for it`);
  await waitForBuild(clients, id, request);
}

async function waitForBuild(clients: Clients, id: string, request: ImageRequest): Promise<void> {
  await until({ pollMs: request.pollMs, timeoutMs: Infinity }, `CodeBuild ${id}`, async () => {
    const { builds } = await clients.codebuild.send(new BatchGetBuildsCommand({ ids: [id] }));
    const build = builds?.[0];
    const status = build?.buildStatus ?? 'IN_PROGRESS';
    if (status === 'SUCCEEDED') return true;
    if (status !== 'IN_PROGRESS') {
      throw new CliError(`CodeBuild ${id} ended ${status}; logs: ${build?.logs?.deepLink ?? 'see the CodeBuild console'}`);
    }
    return false;
  });
  request.log(`CodeBuild ${id} succeeded`);
}

function required(value: string | undefined, what: string): string {
  if (value === undefined) throw new CliError(`No ${what}: deploy the stack first (npm run cdk:deploy) or set it`);
  return value;
}
