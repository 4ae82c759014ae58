import type * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface WebProps {
  /** The static-site bucket: private, read by CloudFront through Origin Access Control. */
  readonly siteBucket: s3.IBucket;
  /**
   * DNS name CloudFront reaches the load balancer on for `/api/*`.
   */
  readonly apiOriginDomainName: string;
  /**
   * Headers CloudFront adds to every `/api/*` origin request (the load balancer's secret origin
   * header, `CloudFrontOnlyOrigin`).
   * @default - none
   */
  readonly originHeaders?: Readonly<Record<string, string>>;
  /**
   * Path patterns CloudFront sends to the load balancer: the routes of the environment's services.
   * `/` makes the load balancer the default behavior (no site is served then).
   * @default ['/api/*']
   */
  readonly servicePaths?: readonly string[];
  /**
   * CloudFront certificate (us-east-1) and the names it serves.
   * @default - the distribution's own *.cloudfront.net name
   */
  readonly customDomain?: { readonly certificate: acm.ICertificate; readonly domainName: string };
  /**
   * Price class.
   * @default PRICE_CLASS_100 (North America and Europe edge locations: the cheapest)
   */
  readonly priceClass?: cloudfront.PriceClass;
  /**
   * ARN of an AWS WAF web ACL (scope CLOUDFRONT, in us-east-1) to attach to the distribution. A
   * web ACL bills $5/month plus rules and requests, so none is created here; share one between
   * the environments that take customer traffic.
   * @default - no web ACL (cdk-nag CFR2 is acknowledged in compliance/acknowledgements.ts)
   */
  readonly webAclArn?: string;
}

/**
 * CloudFront in front of the environment: the static site from the private site bucket (Origin
 * Access Control, no public bucket), `/api/*` to the load balancer (HTTPS, nothing cached, every
 * viewer header but Host forwarded), the managed security-headers response policy (HSTS,
 * X-Content-Type-Options, X-Frame-Options, Referrer-Policy, X-XSS-Protection) on every response,
 * TLS 1.2+ for viewers, HTTP redirected to HTTPS. No Lambda@Edge: nothing lingers at the edge
 * after a destroy.
 */
export class Web extends Construct {
  readonly distribution: cloudfront.Distribution;
  /** The web ACL attached to the distribution, if any. */
  readonly webAclArn: string | undefined;

  constructor(scope: Construct, id: string, props: WebProps) {
    super(scope, id);
    this.webAclArn = props.webAclArn;
    const securityHeaders = cloudfront.ResponseHeadersPolicy.SECURITY_HEADERS;
    // The origin leg is always HTTPS: `config check` refuses CloudFront without a custom domain.
    const api = new origins.HttpOrigin(props.apiOriginDomainName, {
      protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
      originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
      customHeaders: props.originHeaders ? { ...props.originHeaders } : undefined,
    });
    const paths = props.servicePaths ?? ['/api/*'];
    const serviceIsDefault = paths.includes('/');
    const toService: cloudfront.BehaviorOptions = {
      origin: api,
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
      cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
      originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      responseHeadersPolicy: securityHeaders,
    };
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'branch-env environment',
      defaultRootObject: serviceIsDefault ? undefined : 'index.html',
      priceClass: props.priceClass ?? cloudfront.PriceClass.PRICE_CLASS_100,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
      certificate: props.customDomain?.certificate,
      domainNames: props.customDomain ? [props.customDomain.domainName] : undefined,
      webAclId: props.webAclArn,
      defaultBehavior: serviceIsDefault
        ? toService
        : {
            origin: origins.S3BucketOrigin.withOriginAccessControl(props.siteBucket),
            viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
            cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
            responseHeadersPolicy: securityHeaders,
            compress: true,
          },
      additionalBehaviors: Object.fromEntries(
        paths.filter((p) => p !== '/').map((p) => [p, toService]),
      ),
    });
  }
}
