import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import type * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import { Construct } from 'constructs';

export interface DomainProps {
  /** The configured zone: imported by id and name, never looked up. */
  readonly zoneName: string;
  readonly hostedZoneId: string;
  /** The environment's public name `<env>.<domain>`: the certificate's first name. */
  readonly dnsName: string;
  /**
   * Further names of the regional certificate (e.g. `origin.<env>.<domain>` behind CloudFront).
   * @default []
   */
  readonly alternativeNames?: readonly string[];
}

/**
 * The environment's DNS: the hosted zone imported by attributes, a DNS-validated regional ACM
 * certificate for the load balancer, and alias records. (CloudFront's certificate lives in
 * us-east-1: `CertificateStack`.)
 */
export class Domain extends Construct {
  readonly zone: route53.IHostedZone;
  readonly certificate: acm.Certificate;
  readonly dnsName: string;

  constructor(scope: Construct, id: string, props: DomainProps) {
    super(scope, id);
    this.dnsName = props.dnsName;
    this.zone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', {
      hostedZoneId: props.hostedZoneId,
      zoneName: props.zoneName,
    });
    this.certificate = new acm.Certificate(this, 'Certificate', {
      domainName: props.dnsName,
      subjectAlternativeNames:
        props.alternativeNames && props.alternativeNames.length > 0
          ? [...props.alternativeNames]
          : undefined,
      validation: acm.CertificateValidation.fromDns(this.zone),
    });
  }

  /** A (IPv4) alias record `name` -> the load balancer. */
  aliasToLoadBalancer(
    id: string,
    name: string,
    loadBalancer: elbv2.IApplicationLoadBalancer,
  ): void {
    new route53.ARecord(this, id, {
      zone: this.zone,
      recordName: `${name}.`,
      target: route53.RecordTarget.fromAlias(new targets.LoadBalancerTarget(loadBalancer)),
    });
  }

  /** A and AAAA alias records `name` -> the distribution. */
  aliasToDistribution(id: string, name: string, distribution: cloudfront.IDistribution): void {
    const target = route53.RecordTarget.fromAlias(new targets.CloudFrontTarget(distribution));
    new route53.ARecord(this, id, { zone: this.zone, recordName: `${name}.`, target });
    new route53.AaaaRecord(this, `${id}Ipv6`, { zone: this.zone, recordName: `${name}.`, target });
  }
}
