// Which STS hostnames a token may point at. A static table standing in for upstream's run of the
// SDK endpoint resolver: a region label belongs to the partition whose region pattern it matches
// (unknown labels fall back to aws, as in the SDK), and the host's domain must be that partition's
// normal or dual-stack domain.
import type { Partition } from '../arn/index.js';

interface PartitionHosts {
  /** Region pattern from the SDK's partitions.json; aws is the fallback and has none. */
  regions?: RegExp;
  domains: readonly string[];
}

const TABLE: Readonly<Record<Partition, PartitionHosts>> = {
  aws: { domains: ['amazonaws.com', 'api.aws'] },
  'aws-cn': { regions: /^cn-\w+-\d+$/, domains: ['amazonaws.com.cn', 'api.amazonwebservices.com.cn'] },
  'aws-us-gov': { regions: /^us-gov-\w+-\d+$/, domains: ['amazonaws.com', 'api.aws'] },
  'aws-iso': { regions: /^us-iso-\w+-\d+$/, domains: ['c2s.ic.gov'] },
  'aws-iso-b': { regions: /^us-isob-\w+-\d+$/, domains: ['sc2s.sgov.gov'] },
  'aws-iso-e': { regions: /^eu-isoe-\w+-\d+$/, domains: ['cloud.adc-e.uk'] },
  'aws-iso-f': { regions: /^us-isof-\w+-\d+$/, domains: ['csp.hci.ic.gov'] },
  'aws-eusc': { regions: /^eusc-de-\w+-\d+$/, domains: ['amazonaws.eu', 'api.amazonwebservices.eu'] },
};

export const DEFAULT_PARTITIONS: readonly Partition[] = ['aws', 'aws-cn', 'aws-us-gov'];

/** Upstream's region label check (`^[[:alnum:]]([[:alnum:]-]*[[:alnum:]])?$`). */
export const isValidRegionLabel = (r: string): boolean => /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/.test(r);

export function partitionOfRegion(region: string): Partition {
  for (const [p, h] of Object.entries(TABLE) as Array<[Partition, PartitionHosts]>) {
    if (h.regions?.test(region)) return p;
  }
  return 'aws';
}

/** Upstream `getStsRegion`: `global` for sts.amazonaws.com, else the second label. */
export function stsRegionOf(host: string): string | undefined {
  if (host === 'sts.amazonaws.com') return 'global';
  const labels = host.split('.');
  return labels.length >= 3 ? labels[1] : undefined;
}

export type HostCheck = { ok: true; stsRegion: string; partition: Partition } | { ok: false; message: string };

/** Checks a bare hostname (no port) against the allowlist for the given partitions. */
export function checkStsHost(host: string, partitions: readonly Partition[]): HostCheck {
  const unexpected = { ok: false, message: `unexpected hostname "${host}" in pre-signed URL` } as const;
  if (host === 'sts.amazonaws.com') {
    return partitions.includes('aws')
      ? { ok: true, stsRegion: 'global', partition: 'aws' }
      : { ok: false, message: `global endpoint unsupported in partition ${partitions.join(',')}` };
  }
  const region = stsRegionOf(host);
  if (region === undefined) return { ok: false, message: `could not parse region for pre-signed URL ${host}, invalid host format: ${host}` };
  if (!isValidRegionLabel(region)) return { ok: false, message: `invalid region identifier format provided: ${region}` };
  // Exact lower-case only: what we compare is what gets resolved and fetched.
  if (!/^[a-z0-9.-]+$/.test(host)) return unexpected;
  const [service] = host.split('.', 1);
  if (service !== 'sts' && service !== 'sts-fips') return unexpected;
  const partition = partitionOfRegion(region);
  if (!partitions.includes(partition)) return { ok: false, message: `partition {${partition}} does not support hostname ${host}` };
  const domain = host.slice(service.length + region.length + 2);
  if (!TABLE[partition].domains.includes(domain)) return unexpected;
  return { ok: true, stsRegion: region, partition };
}
