/**
 * PUT a custom resource's response to CloudFormation's pre-signed URL (the platform provisioner's,
 * the router's and the job runs' handlers answer CloudFormation themselves; bundled into each by
 * esbuild).
 */
export async function respond(url: string, response: object): Promise<void> {
  const body = JSON.stringify(response);
  const res = await fetch(url, {
    method: 'PUT',
    body,
    headers: { 'content-type': '', 'content-length': String(Buffer.byteLength(body)) },
  });
  if (!res.ok) throw new Error(`the CloudFormation response URL answered ${res.status}`);
}

/**
 * Log the request's summary (never its properties: they may carry OIDC or database settings) and
 * the response, then answer CloudFormation: the platform router's and provisioner's last step.
 */
export async function logAndRespond(
  event: {
    readonly RequestType: string;
    readonly StackId: string;
    readonly LogicalResourceId: string;
    readonly ResponseURL: string;
  },
  response: {
    readonly Status: string;
    readonly Reason?: string | undefined;
    readonly PhysicalResourceId?: string | undefined;
  },
): Promise<void> {
  console.log(
    JSON.stringify({
      request: event.RequestType,
      stack: event.StackId,
      resource: event.LogicalResourceId,
      status: response.Status,
      reason: response.Reason,
      physicalResourceId: response.PhysicalResourceId,
    }),
  );
  await respond(event.ResponseURL, response);
}
