import { Stack, type StackProps } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';

export interface CertificateStackProps extends StackProps {
  readonly zoneName: string;
  readonly hostedZoneId: string;
  /** `<env>.<domain>`. */
  readonly dnsName: string;
  /**
   * When set, also publish the certificate ARN as this SSM parameter (in us-east-1), for an
   * environment stack in another region to read (CloudFormation cannot reference across regions).
   * @default - no parameter: the environment stack is in us-east-1 and references it directly
   */
  readonly arnParameterName?: string;
}

/** The CloudFront certificate of an environment: ACM in us-east-1, DNS-validated in the zone. */
export class CertificateStack extends Stack {
  readonly certificate: acm.Certificate;

  constructor(scope: Construct, id: string, props: CertificateStackProps) {
    super(scope, id, props);
    const zone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', {
      hostedZoneId: props.hostedZoneId,
      zoneName: props.zoneName,
    });
    this.certificate = new acm.Certificate(this, 'Certificate', {
      domainName: props.dnsName,
      validation: acm.CertificateValidation.fromDns(zone),
    });
    if (props.arnParameterName !== undefined) {
      new ssm.StringParameter(this, 'CertificateArn', {
        parameterName: props.arnParameterName,
        stringValue: this.certificate.certificateArn,
        description: 'ARN of the CloudFront certificate, read by the environment stack',
      });
    }
  }
}
