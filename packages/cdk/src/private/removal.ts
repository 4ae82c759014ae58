import { RemovalPolicy } from 'aws-cdk-lib';

/**
 * What happens to stateful resources when the stack is deleted. Unprotected environments lose
 * everything with the stack; protected ones keep data (snapshot for databases, retain for the rest).
 */
export interface Retention {
  readonly protected: boolean;
  /** Buckets, repositories, log groups, secrets: retained except on create when protected. */
  readonly data: RemovalPolicy;
  /** Databases: snapshot when protected. */
  readonly database: RemovalPolicy;
}

export function retentionOf(isProtected: boolean): Retention {
  return isProtected
    ? {
        protected: true,
        data: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
        database: RemovalPolicy.SNAPSHOT,
      }
    : { protected: false, data: RemovalPolicy.DESTROY, database: RemovalPolicy.DESTROY };
}
