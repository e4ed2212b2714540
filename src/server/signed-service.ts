/** Which AWS service a SigV4-signed request names in its credential scope, before it is verified. */

/** The service a request is signed for (header or presigned query), if it is signed. */
export function signedService(authorization: string | undefined, url: string): string | undefined {
  const scope = /Credential=[^/,\s]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(authorization ?? '') ?? /[?&]X-Amz-Credential=[^/&]+(?:%2F|\/)\d{8}(?:%2F|\/)[^/&%]+(?:%2F|\/)([^/&%]+)(?:%2F|\/)aws4_request/i.exec(url);
  return scope?.[1]?.toLowerCase();
}
