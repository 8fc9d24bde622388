// PUBLIC by default. VPC mode places the runtime's ENIs in private subnets; the bot still needs
// a route to Slack and Discord (a NAT gateway), but the AWS traffic (image pull, logs, the
// secret, the model) can stay inside the VPC through endpoints, which also works with no NAT.
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { RuntimeNetworkConfiguration } from 'aws-cdk-lib/aws-bedrockagentcore';
import type { Construct } from 'constructs';
import { asInterface } from './cdk-types.js';
import type { NetworkChoice } from './config.js';

/**
 * Interface endpoints the runtime needs without a NAT gateway. bedrock-runtime is not in the
 * AgentCore seed's list, but the bot calls Converse from inside the VPC, so it is needed too.
 */
export const INTERFACE_ENDPOINT_SERVICES = ['ecr.api', 'ecr.dkr', 'logs', 'secretsmanager', 'bedrock-runtime'] as const;

export function buildNetwork(scope: Construct, choice: NetworkChoice): RuntimeNetworkConfiguration {
  if (choice.mode === 'public') return RuntimeNetworkConfiguration.usingPublicNetwork();

  const vpc: ec2.IVpc = choice.vpcId === undefined
    ? asInterface<ec2.IVpc>(new ec2.Vpc(scope, 'Vpc', {
        maxAzs: 2,
        natGateways: 1,
        subnetConfiguration: [
          { name: 'public', subnetType: ec2.SubnetType.PUBLIC },
          { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
        ],
        // Accepted and rejected flows: "is the bot reaching Slack, Discord and the endpoints?" is
        // the first question when it is not. Only HTTPS leaves this VPC, so the volume is small.
        flowLogs: {
          all: {
            destination: ec2.FlowLogDestination.toCloudWatchLogs(asInterface<logs.ILogGroup>(
              new logs.LogGroup(scope, 'VpcFlowLogs', { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY }))),
            trafficType: ec2.FlowLogTrafficType.ALL,
          },
        },
      }))
    : ec2.Vpc.fromVpcAttributes(scope, 'Vpc', {
        vpcId: choice.vpcId,
        // Only a placeholder per subnet: synth stays offline, so no lookup of the real zones.
        availabilityZones: choice.subnetIds.map((_, i) => `az-${i}`),
        privateSubnetIds: [...choice.subnetIds],
      });
  const subnets = choice.vpcId === undefined
    ? vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS })
    : vpc.selectSubnets({ subnets: choice.subnetIds.map((id, i) => ec2.Subnet.fromSubnetId(scope, `Subnet${i}`, id)) });
  const securityGroups = choice.securityGroupIds.length > 0
    ? choice.securityGroupIds.map((id, i) => ec2.SecurityGroup.fromSecurityGroupId(scope, `RuntimeSg${i}`, id))
    : [asInterface<ec2.ISecurityGroup>(httpsOnlySecurityGroup(scope, vpc))];

  if (choice.interfaceEndpoints) {
    const routeTableIds = choice.vpcId === undefined
      ? subnets.subnets.map((s) => s.routeTable.routeTableId)
      : [...choice.routeTableIds];
    addEndpoints(scope, vpc, subnets.subnetIds, securityGroups, routeTableIds);
  }
  return RuntimeNetworkConfiguration.usingVpc(scope, { vpc, vpcSubnets: { subnets: subnets.subnets }, securityGroups });
}

/** Outbound 443 only: Slack, Discord, Bedrock and the AWS endpoints all speak HTTPS/WSS. */
function httpsOnlySecurityGroup(scope: Construct, vpc: ec2.IVpc): ec2.SecurityGroup {
  const group = new ec2.SecurityGroup(scope, 'RuntimeSecurityGroup', {
    vpc,
    description: 'AgentCore chat bridge runtime: HTTPS out only',
    allowAllOutbound: false,
  });
  group.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS and WSS to chat platforms and AWS');
  return group;
}

// L1 endpoints: the L2 helpers need each subnet's availability zone, which an offline synth of
// an imported VPC cannot know.
function addEndpoints(
  scope: Construct,
  vpc: ec2.IVpc,
  subnetIds: string[],
  runtimeGroups: ec2.ISecurityGroup[],
  routeTableIds: string[],
): void {
  const region = Stack.of(scope).region;
  const endpointGroup = new ec2.SecurityGroup(scope, 'EndpointSecurityGroup', {
    vpc,
    description: 'VPC interface endpoints for the AgentCore chat bridge',
    allowAllOutbound: false,
  });
  for (const group of runtimeGroups) endpointGroup.addIngressRule(group, ec2.Port.tcp(443), 'from the runtime');
  for (const service of INTERFACE_ENDPOINT_SERVICES) {
    new ec2.CfnVPCEndpoint(scope, `Endpoint-${service}`, {
      vpcId: vpc.vpcId,
      serviceName: `com.amazonaws.${region}.${service}`,
      vpcEndpointType: 'Interface',
      privateDnsEnabled: true,
      subnetIds,
      securityGroupIds: [endpointGroup.securityGroupId],
    });
  }
  // ECR keeps image layers in S3; a gateway endpoint is free and needs the route tables.
  new ec2.CfnVPCEndpoint(scope, 'Endpoint-s3', {
    vpcId: vpc.vpcId,
    serviceName: `com.amazonaws.${region}.s3`,
    vpcEndpointType: 'Gateway',
    routeTableIds,
  });
}
