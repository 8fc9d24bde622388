// The resources bedrock:InvokeModel must name for one model id. A cross-region inference profile
// (`us.anthropic...`) is authorised twice: on the profile ARN in our region, and on the foundation
// model in every region the profile may route a request to; missing one of those regions shows
// up as a random AccessDenied on some requests only.

/** Regions each geographic inference-profile prefix routes to (AWS Bedrock docs, 2025). */
export const PROFILE_REGIONS: Readonly<Record<string, readonly string[]>> = {
  us: ['us-east-1', 'us-east-2', 'us-west-2'],
  eu: ['eu-central-1', 'eu-north-1', 'eu-south-1', 'eu-south-2', 'eu-west-1', 'eu-west-3'],
  apac: [
    'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ap-south-1', 'ap-south-2',
    'ap-southeast-1', 'ap-southeast-2', 'ap-southeast-4',
  ],
  jp: ['ap-northeast-1', 'ap-northeast-3'],
  au: ['ap-southeast-2', 'ap-southeast-4'],
};

export interface ModelArnScope {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
}

/**
 * ARNs to grant for `modelId`. `regionsOverride` replaces the built-in routing table (AWS adds
 * regions to profiles over time; pass `-c modelRegions=...` rather than waiting for a release).
 */
export function modelResourceArns(modelId: string, scope: ModelArnScope, regionsOverride: readonly string[] = []): string[] {
  if (modelId.startsWith('arn:')) return [modelId];
  const { partition, region, account } = scope;
  const foundation = (r: string, id: string): string => `arn:${partition}:bedrock:${r}::foundation-model/${id}`;
  const [prefix, ...rest] = modelId.split('.');
  const baseModel = rest.join('.');
  const profileArn = `arn:${partition}:bedrock:${region}:${account}:inference-profile/${modelId}`;

  if (isGlobalProfile(modelId)) {
    // Global profiles route to any commercial region; AWS documents the region-less model ARN.
    return [profileArn, foundation('*', baseModel), `arn:${partition}:bedrock:::foundation-model/${baseModel}`];
  }
  const routed = prefix === undefined ? undefined : PROFILE_REGIONS[prefix];
  if (routed !== undefined && baseModel) {
    const regions = regionsOverride.length > 0 ? regionsOverride : routed;
    return [profileArn, ...regions.map((r) => foundation(r, baseModel))];
  }
  // A plain foundation model id is invoked in our own region only.
  return [foundation(region, modelId)];
}

/** A global cross-region inference profile (`global.<model>`): it may route to any commercial region. */
export function isGlobalProfile(modelId: string): boolean {
  const [prefix, ...rest] = modelId.split('.');
  return prefix === 'global' && rest.join('.').length > 0;
}
