// The image's home and its builder. The CodeBuild project exists for operators on x86 machines
// (or with no Docker): it builds the ARM64 image natively on an ARM host from a source zip that
// `npm run deploy` uploads, so no emulation or buildx is needed anywhere.
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { asInterface } from './cdk-types.js';
import { SOURCE_OBJECT_KEY } from './constants.js';


export interface ImageBuildProps {
  readonly repositoryName: string;
  readonly imageTag: string;
}

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
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      lifecycleRules: [{ expiration: Duration.days(30) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.project = new codebuild.Project(this, 'Project', {
      description: 'Builds the bridge ARM64 image from buildspec.yml and pushes it to ECR',
      source: codebuild.Source.s3({ bucket: asInterface<s3.IBucket>(this.sourceBucket), path: SOURCE_OBJECT_KEY }),
      buildSpec: codebuild.BuildSpec.fromSourceFilename('buildspec.yml'),
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
    this.repository.grantPullPush(this.project);
    this.sourceBucket.grantRead(this.project);
  }
}
