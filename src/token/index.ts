/**
 * # token — k8s-aws-v1 tokens (`aws eks get-token`, `aws-iam-authenticator token`)
 *
 * `parseToken(token, now, config)` is pure and mirrors aws-iam-authenticator `tokenVerifier.Verify`
 * (reference iam-authenticator.md §2), checks in upstream's order with upstream's wording behind
 * `input token was not properly formatted: `: size, `k8s-aws-v1.` prefix, strict unpadded base64url,
 * URL syntax, scheme https, STS host allowlist (§2.1), path `/`, strict query syntax,
 * case-insensitive duplicate keys, parameter allowlist, single values, Action=GetCallerIdentity,
 * x-k8s-aws-id signed, X-Amz-Expires 0..900 (Go Atoi syntax), X-Amz-Date present / parseable /
 * not older than 15 minutes. Then either:
 * - `callSts` (sts-client.ts, the only I/O): replay the exact URL with `x-k8s-aws-id` and
 *   `accept: application/json`, 10 s timeout, no redirects; throttling is its own error (→ 429); or
 * - `verifyTokenOffline`: recompute the presigned signature with ../sigv4 for keys Entryway issued.
 * `identityFromCallerIdentity` is upstream's `getIdentityFromSTSResponse` (canonical ARN, principal
 * ID before ':', session name after it, `malformed UserID`).
 *
 * Deliberate divergences:
 * - `maxTokenBytes` defaults to 16 KiB, not 4096 (real large session tokens fit; upstream #1106).
 * - Tokens dated more than `maxFutureSkewMs` (5 min) ahead are refused (`future_date`); upstream
 *   accepts any future date, which would let a token outlive the 15-minute window.
 * - Several partitions at once (default aws, aws-cn, aws-us-gov) instead of one `--partition`; a
 *   region label counts for the partition whose region pattern it matches, so e.g. us-gov hosts
 *   need aws-us-gov enabled (UNCONFIRMED nuance upstream lets them through under aws). No IMDS
 *   "own region" fallback: list such hosts in `customStsHosts`, which also covers Entryway's own
 *   endpoint (`host:port`, or `http://host:port` for a plain-http local server).
 * - Hosts must be lower-case; ports, userinfo, fragments, backslashes, non-printable or non-ASCII
 *   characters are refused, and the URL must survive WHATWG parsing unchanged, so what was checked
 *   is byte for byte what fetch requests (upstream relies on Go's parser agreeing with itself).
 * - Query keys are checked in wire order, not Go's random map order, so the error is deterministic.
 * - Error messages never include the token or URL (upstream's Go parse errors quote the URL), and
 *   STS error bodies are reduced to their error code (they can echo the session token).
 * - An XML GetCallerIdentity answer is accepted as well as JSON.
 * - `Identity.principalKind` is added for mappers.
 */
export { parseToken, verifyTokenOffline, identityFromCallerIdentity, tokenFromUrl, createToken, TOKEN_PREFIX, DEFAULT_TOKEN_CONFIG } from './token.js';
export type { TokenConfig, ParsedToken, TokenParseResult, TokenVerifyResult, Identity, CallerIdentity, IdentityResult } from './token.js';
export { callSts, verifyTokenWithSts } from './sts-client.js';
export type { CallStsOptions, CallStsResult, VerifyWithStsOptions, VerifyWithStsResult } from './sts-client.js';
export { checkStsHost, stsRegionOf, isValidRegionLabel, partitionOfRegion, DEFAULT_PARTITIONS } from './hosts.js';
export type { HostCheck } from './hosts.js';
export { TokenError, TokenFormatError, TokenSignatureError, StsError, StsThrottlingError } from './errors.js';
export type { TokenErrorCode, TokenFormatCode, TokenSignatureCode, StsErrorCode } from './errors.js';
