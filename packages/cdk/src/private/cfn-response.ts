/**
 * PUT a custom resource's response to CloudFormation's pre-signed URL (the platform provisioner's
 * and the job runs' handlers answer CloudFormation themselves; bundled into each by esbuild).
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
