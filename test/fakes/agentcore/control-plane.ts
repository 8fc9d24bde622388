// The AgentCore control plane as @aws-sdk/client-bedrock-agentcore-control speaks it (REST-JSON,
// RFC 3339 timestamps): Get/UpdateAgentRuntime and Get/Update/ListAgentRuntimeEndpoints.
// UpdateAgentRuntime behaves like the real one: the new version holds exactly what was sent, so a
// caller that forgets a field loses it, and the tests can see that.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseJson, sendError, sendJson } from './http.js';
import { latestVersion, record } from './state.js';
import type { AgentCoreState, EndpointRecord, RuntimeVersion } from './state.js';

const READ_ONLY_ECHO = ['clientToken'];

export function controlPlaneHandler(state: AgentCoreState) {
  return (req: IncomingMessage, res: ServerResponse, body: Buffer): void => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const [root, runtimeId, sub, name] = parts;
    if (root !== 'runtimes' || runtimeId === undefined) return sendError(res, 404, 'UnknownOperationException', url.pathname);
    if (runtimeId !== state.runtimeId) {
      record(state, { service: 'agentcore-control', operation: 'NotFound', request: { runtimeId } });
      return sendError(res, 404, 'ResourceNotFoundException', `Runtime ${runtimeId} not found`);
    }
    if (sub === undefined && req.method === 'GET') return getRuntime(state, res, url.searchParams.get('version'));
    if (sub === undefined && req.method === 'PUT') return updateRuntime(state, res, parseJson(body));
    if (sub === 'runtime-endpoints' && name === undefined && req.method === 'POST') return listEndpoints(state, res);
    if (sub === 'runtime-endpoints' && name !== undefined) {
      const endpoint = state.endpoints.get(name);
      if (endpoint === undefined) return sendError(res, 404, 'ResourceNotFoundException', `Endpoint ${name} not found`);
      if (req.method === 'GET') return getEndpoint(state, res, endpoint);
      if (req.method === 'PUT') return updateEndpoint(state, res, endpoint, parseJson(body));
    }
    sendError(res, 404, 'UnknownOperationException', `${req.method} ${url.pathname}`);
  };
}

function getRuntime(state: AgentCoreState, res: ServerResponse, wanted: string | null): void {
  record(state, { service: 'agentcore-control', operation: 'GetAgentRuntime', request: { version: wanted } });
  const version = wanted === null ? latestVersion(state) : state.versions.find((v) => v.version === wanted);
  if (version === undefined) return sendError(res, 404, 'ResourceNotFoundException', `Version ${wanted} not found`);
  if (version.status === 'UPDATING' && --version.pollsUntilReady <= 0) version.status = 'READY';
  sendJson(res, 200, {
    ...version.configuration,
    ...identity(state, version),
    agentRuntimeName: state.runtimeName,
    workloadIdentityDetails: {
      workloadIdentityArn: `arn:aws:bedrock-agentcore:${state.region}:${state.account}:workload-identity-directory/default/workload-identity/${state.runtimeName}`,
    },
  });
}

function updateRuntime(state: AgentCoreState, res: ServerResponse, request: Record<string, unknown>): void {
  record(state, { service: 'agentcore-control', operation: 'UpdateAgentRuntime', request });
  if (request.agentRuntimeArtifact === undefined || request.roleArn === undefined) {
    return sendError(res, 400, 'ValidationException', 'agentRuntimeArtifact and roleArn are required');
  }
  const configuration = Object.fromEntries(Object.entries(request).filter(([key]) => !READ_ONLY_ECHO.includes(key)));
  const version: RuntimeVersion = {
    version: String(state.versions.length + 1),
    configuration,
    status: 'UPDATING',
    createdAt: new Date().toISOString(),
    pollsUntilReady: 2,
  };
  state.versions.push(version);
  // DEFAULT always follows the newest version; named endpoints stay where they are.
  const fallback = state.endpoints.get('DEFAULT');
  if (fallback !== undefined) fallback.liveVersion = fallback.targetVersion = version.version;
  sendJson(res, 202, {
    ...identity(state, version),
    workloadIdentityDetails: { workloadIdentityArn: `arn:aws:bedrock-agentcore:${state.region}:${state.account}:workload-identity` },
  });
}

function identity(state: AgentCoreState, version: RuntimeVersion): Record<string, unknown> {
  return {
    agentRuntimeArn: state.runtimeArn,
    agentRuntimeId: state.runtimeId,
    agentRuntimeVersion: version.version,
    createdAt: state.versions[0]?.createdAt,
    lastUpdatedAt: version.createdAt,
    status: version.status,
  };
}

function endpointBody(state: AgentCoreState, endpoint: EndpointRecord): Record<string, unknown> {
  return {
    name: endpoint.name,
    id: `${endpoint.name}-id`,
    agentRuntimeArn: state.runtimeArn,
    agentRuntimeEndpointArn: `${state.runtimeArn}/runtime-endpoint/${endpoint.name}`,
    liveVersion: endpoint.liveVersion,
    targetVersion: endpoint.targetVersion,
    status: endpoint.status,
    createdAt: state.versions[0]?.createdAt,
    lastUpdatedAt: new Date().toISOString(),
  };
}

function getEndpoint(state: AgentCoreState, res: ServerResponse, endpoint: EndpointRecord): void {
  record(state, { service: 'agentcore-control', operation: 'GetAgentRuntimeEndpoint', request: { name: endpoint.name } });
  if (endpoint.status === 'UPDATING' && --endpoint.pollsUntilReady <= 0) {
    endpoint.status = 'READY';
    endpoint.liveVersion = endpoint.targetVersion;
  }
  sendJson(res, 200, endpointBody(state, endpoint));
}

function updateEndpoint(state: AgentCoreState, res: ServerResponse, endpoint: EndpointRecord, request: Record<string, unknown>): void {
  record(state, { service: 'agentcore-control', operation: 'UpdateAgentRuntimeEndpoint', request: { name: endpoint.name, ...request } });
  const target = typeof request.agentRuntimeVersion === 'string' ? request.agentRuntimeVersion : latestVersion(state).version;
  if (!state.versions.some((v) => v.version === target)) return sendError(res, 400, 'ValidationException', `No version ${target}`);
  endpoint.targetVersion = target;
  endpoint.status = 'UPDATING';
  endpoint.pollsUntilReady = 1;
  sendJson(res, 202, endpointBody(state, endpoint));
}

function listEndpoints(state: AgentCoreState, res: ServerResponse): void {
  record(state, { service: 'agentcore-control', operation: 'ListAgentRuntimeEndpoints', request: {} });
  sendJson(res, 200, { runtimeEndpoints: [...state.endpoints.values()].map((e) => endpointBody(state, e)) });
}
