// Proves the small pure pieces of the operator scripts and the stack: what UpdateAgentRuntime is
// sent, ARN parsing, uptime formatting, session ids, the source zip and model ARNs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GetAgentRuntimeCommandOutput } from '@aws-sdk/client-bedrock-agentcore-control';
import { newSessionId, sessionIdProblem } from '../../infra/lambda/session-id.js';
import { modelResourceArns } from '../../infra/lib/model-arns.js';
import { parseRuntimeArn } from '../../scripts/lib/options.js';
import { updateRequestFrom } from '../../scripts/lib/rollout.js';
import { formatUptime } from '../../scripts/lib/summary.js';
import { createZip } from '../../scripts/lib/zip.js';
import { listZip } from '../fakes/agentcore/index.js';

describe('updateRequestFrom', () => {
  const current: GetAgentRuntimeCommandOutput = {
    $metadata: {}, agentRuntimeArn: 'arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/r-1', agentRuntimeName: 'r',
    agentRuntimeId: 'r-1', agentRuntimeVersion: '7', createdAt: new Date(), lastUpdatedAt: new Date(), status: 'READY',
    failureReason: undefined, workloadIdentityDetails: { workloadIdentityArn: 'arn:wi' }, roleArn: 'arn:aws:iam::123456789012:role/x',
    agentRuntimeArtifact: { containerConfiguration: { containerUri: 'repo:latest' } }, lifecycleConfiguration: { idleRuntimeSessionTimeout: 900, maxLifetime: 3600 },
    networkConfiguration: { networkMode: 'PUBLIC' }, environmentVariables: { IMAGE_VERSION: 'old', KEEP: 'me' },
    authorizerConfiguration: { customJWTAuthorizer: { discoveryUrl: 'https://idp/.well-known/openid-configuration' } },
  };

  it('drops only read-only fields and replaces only IMAGE_VERSION', () => {
    assert.deepEqual(updateRequestFrom(current, 'new'), {
      agentRuntimeId: 'r-1', roleArn: current.roleArn, agentRuntimeArtifact: current.agentRuntimeArtifact,
      lifecycleConfiguration: current.lifecycleConfiguration, networkConfiguration: current.networkConfiguration,
      authorizerConfiguration: current.authorizerConfiguration, environmentVariables: { IMAGE_VERSION: 'new', KEEP: 'me' },
    });
  });

  it('refuses to send back a configuration without artifact or role', () => {
    assert.throws(() => updateRequestFrom({ ...current, roleArn: undefined }, 'new'), /refusing to send a partial configuration back/);
  });
});

describe('small helpers', () => {
  it('parses runtime ARNs and rejects anything else clearly', () => {
    assert.deepEqual(parseRuntimeArn('arn:aws:bedrock-agentcore:eu-west-1:123456789012:runtime/bridge-Ab12'), { region: 'eu-west-1', runtimeId: 'bridge-Ab12' });
    assert.throws(() => parseRuntimeArn('bridge-Ab12'), /is not an AgentCore runtime ARN/);
  });

  it('formats uptime for people', () => {
    assert.equal(formatUptime(7), '7s');
    assert.equal(formatUptime(125), '2m 05s');
    assert.equal(formatUptime(3 * 3600 + 61), '3h 01m 01s');
    assert.equal(formatUptime(undefined), '-');
  });

  it('makes valid, unique session ids and names the limits of bad ones', () => {
    const a = newSessionId();
    assert.equal(sessionIdProblem(a), undefined);
    assert.notEqual(a, newSessionId());
    assert.match(sessionIdProblem('x'.repeat(32))!, /33-256 characters, got 32/);
    assert.match(sessionIdProblem('x'.repeat(257))!, /got 257/);
  });

  it('writes zips that read back entry by entry', () => {
    const zip = createZip([{ name: 'Dockerfile', data: Buffer.from('FROM x\n') }, { name: 'src/a.ts', data: Buffer.alloc(5000, 'a') }]);
    assert.deepEqual(listZip(zip), ['Dockerfile', 'src/a.ts']);
  });

  it('grants a global inference profile on the region-less foundation model too', () => {
    assert.deepEqual(modelResourceArns('global.anthropic.claude-sonnet-4-6', { partition: 'aws', region: 'us-east-1', account: '1' }), [
      'arn:aws:bedrock:us-east-1:1:inference-profile/global.anthropic.claude-sonnet-4-6',
      'arn:aws:bedrock:*::foundation-model/anthropic.claude-sonnet-4-6',
      'arn:aws:bedrock:::foundation-model/anthropic.claude-sonnet-4-6',
    ]);
  });
});
