// The image's home and its builder. The CodeBuild project exists for operators on x86 machines
// (or with no Docker): it builds the ARM64 image natively on an ARM host from a source zip that
// `npm run deploy` uploads, so no emulation or buildx is needed anywhere.
// The build role is ours, handed to CodeBuild read-only: the L2 would otherwise add its own
// wildcards (s3:GetObject*/List* on the bucket, report groups, /aws/codebuild/<name>:*).
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { asInterface } from './cdk-types.js';
import { SOURCE_OBJECT_KEY } from './constants.js';
import { addEcrLoginPolicy } from './ecr-login.js';
import { acknowledgeRule } from './nag.js';

export interface ImageBuildProps {
  readonly repositoryName: string;
  readonly imageTag: string;
}

/** What a build does to the repository: pull cached layers, push the new image. */
const ECR_PUSH_PULL = [
  'ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage',
  'ecr:InitiateLayerUpload', 'ecr:UploadLayerPart', 'ecr:CompleteLayerUpload', 'ecr:PutImage',
];

export class ImageBuild extends Construct {
  readonly repository: ecr.Repository;
  readonly sourceBucket: s3.Bucket;
  readonly project: codebuild.Project;

  constructor(scope: Construct, id: string, props: ImageBuildProps) {
    super(scope, id);
    this.repository = new ecr.Repository(this, 'Repository', {
      repositoryName: props.repositoryName,
      imageScanOnPush: true,
      // Every deploy pushes a version tag too; old ones are only rollback material.
      lifecycleRules: [{ description: 'keep the 30 newest images', maxImageCount: 30 }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.sourceBucket = new s3.Bucket(this, 'SourceBucket', {
      ...PRIVATE_BUCKET,
      lifecycleRules: [{ expiration: Duration.days(30) }],
      serverAccessLogsBucket: asInterface<s3.IBucket>(accessLogBucket(this)),
      serverAccessLogsPrefix: 'source-bucket/',
    });
    const role = new iam.Role(this, 'BuildRole', {
      assumedBy: new iam.ServicePrincipal('codebuild.amazonaws.com'),
      description: 'Builds the chat bridge image: reads the source zip, writes build logs, pushes to the stack repository',
    });
    const logGroup = new logs.LogGroup(this, 'BuildLogs', { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    this.project = new codebuild.Project(this, 'Project', {
      description: 'Builds the bridge ARM64 image from buildspec.yml and pushes it to ECR',
      role: role.withoutPolicyUpdates(),
      grantReportGroupPermissions: false,
      source: codebuild.Source.s3({ bucket: asInterface<s3.IBucket>(this.sourceBucket), path: SOURCE_OBJECT_KEY }),
      buildSpec: codebuild.BuildSpec.fromSourceFilename('buildspec.yml'),
      logging: { cloudWatch: { logGroup: asInterface<logs.ILogGroup>(logGroup) } },
      environment: {
        // ARM_CONTAINER with the aarch64 standard image: the image is built natively for arm64.
        buildImage: codebuild.LinuxArmBuildImage.AMAZON_LINUX_2_STANDARD_3_0,
        computeType: codebuild.ComputeType.LARGE,
        privileged: true, // docker build needs the daemon inside the build container
      },
      environmentVariables: {
        ECR_REPOSITORY_URI: { value: this.repository.repositoryUri },
        IMAGE_TAG: { value: props.imageTag },
        IMAGE_VERSION: { value: 'unset' }, // overridden per build by npm run deploy
      },
      timeout: Duration.minutes(30),
    });
    acknowledgeRule(this.project, 'AwsSolutions-CB4',
      'The KMS key CodeBuild takes encrypts build output artifacts, and this project has none (NO_ARTIFACTS): ' +
        'its only output is the image, pushed to ECR, which encrypts it at rest; the build logs go to a CloudWatch log group.');
    this.grantBuild(role, logGroup);
  }

  /** The build role's whole policy: the one source object, its log group, the repository and the ECR login. */
  private grantBuild(role: iam.Role, logGroup: logs.LogGroup): void {
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ReadSourceZip',
      actions: ['s3:GetObject', 's3:GetObjectVersion'],
      resources: [this.sourceBucket.arnForObjects(SOURCE_OBJECT_KEY)],
    }));
    // CodeBuild checks the source bucket's owner and region before it downloads (AWS's CodeBuild service-role policy).
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'SourceBucketIdentity',
      actions: ['s3:GetBucketAcl', 's3:GetBucketLocation'],
      resources: [this.sourceBucket.bucketArn],
    }));
    logGroup.grantWrite(role);
    this.repository.grant(role, ...ECR_PUSH_PULL);
    addEcrLoginPolicy(role);
  }
}

const PRIVATE_BUCKET = {
  blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
  encryption: s3.BucketEncryption.S3_MANAGED,
  enforceSSL: true,
  removalPolicy: RemovalPolicy.RETAIN,
} as const;

/**
 * Server access logs of the source bucket: who uploaded or fetched each zip. SSE-S3, since S3 log
 * delivery cannot write with a KMS key; it logs nothing itself (a log bucket that logs needs
 * another, and cdk-nag's S1 exempts a log destination).
 */
function accessLogBucket(scope: Construct): s3.Bucket {
  return new s3.Bucket(scope, 'AccessLogs', { ...PRIVATE_BUCKET, lifecycleRules: [{ expiration: Duration.days(90) }] });
}
