import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Partition } from '../arn/index.js';
import { checkStsHost, isValidRegionLabel, partitionOfRegion, stsRegionOf } from './index.js';

// Reference §8.2 (upstream TestSTSEndpoints), one partition configured per row as upstream does.
const VALID: Array<[Partition, string, string]> = [
  ['aws', 'sts.amazonaws.com', 'global'],
  ['aws', 'sts-fips.us-west-2.amazonaws.com', 'us-west-2'],
  ['aws', 'sts-fips.us-east-1.amazonaws.com', 'us-east-1'],
  ...[
    'us-east-1',
    'us-east-2',
    'us-west-1',
    'us-west-2',
    'ap-south-1',
    'ap-northeast-1',
    'ap-northeast-2',
    'ap-southeast-1',
    'ap-southeast-2',
    'ca-central-1',
    'eu-central-1',
    'eu-west-1',
    'eu-west-2',
    'eu-west-3',
    'eu-north-1',
  ].map((r): [Partition, string, string] => ['aws', `sts.${r}.amazonaws.com`, r]),
  ['aws', 'sts.default-region.amazonaws.com', 'default-region'],
  ['aws', 'sts.not-a-region.amazonaws.com', 'not-a-region'],
  ['aws', 'sts.us-west-2.api.aws', 'us-west-2'],
  ['aws', 'sts-fips.us-east-1.api.aws', 'us-east-1'],
  ['aws-cn', 'sts.cn-northwest-1.amazonaws.com.cn', 'cn-northwest-1'],
  ['aws-cn', 'sts.cn-north-1.amazonaws.com.cn', 'cn-north-1'],
  ['aws-cn', 'sts.cn-north-1.api.amazonwebservices.com.cn', 'cn-north-1'],
  ['aws-iso', 'sts.us-iso-east-1.c2s.ic.gov', 'us-iso-east-1'],
  ['aws-iso-b', 'sts.us-isob-east-1.sc2s.sgov.gov', 'us-isob-east-1'],
  ['aws-iso-e', 'sts.eu-isoe-west-1.cloud.adc-e.uk', 'eu-isoe-west-1'],
  ['aws-iso-f', 'sts.us-isof-south-1.csp.hci.ic.gov', 'us-isof-south-1'],
  ['aws-eusc', 'sts.eusc-de-east-1.amazonaws.eu', 'eusc-de-east-1'],
  ['aws-us-gov', 'sts.us-gov-east-1.amazonaws.com', 'us-gov-east-1'],
  ['aws-us-gov', 'sts-fips.us-gov-west-1.amazonaws.com', 'us-gov-west-1'],
  ['aws-us-gov', 'sts.us-gov-west-1.api.aws', 'us-gov-west-1'],
];

const INVALID: Array<[Partition[], string, RegExp?]> = [
  [['aws-cn'], 'sts.amazonaws.com', /^global endpoint unsupported in partition aws-cn$/],
  [['aws-us-gov'], 'sts.amazonaws.com'],
  [['aws-iso'], 'sts.amazonaws.com'],
  [['aws-cn'], 'sts.us-iso-east-1.c2s.ic.gov'],
  // upstream accepts these only when the server's own (IMDS) region matches; we have no such fallback
  [['aws-cn'], 'sts.not-a-region1.amazonaws.com.cn'],
  [['aws-cn'], 'sts.not-a-region2.amazonaws.com.cn'],
  [['aws-cn'], 'sts-fips.us-east-1.amazonaws.com'],
  [['aws-cn'], 'sts.us-isob-east-1.amazonaws.com.cn'],
  [['aws-cn'], 'sts.not-a-region3.amazonaws.com.cn'],
  [['aws-cn'], 'sts.us-west-2.amazonaws.com.cn', /^partition \{aws\} does not support hostname/],
  [['aws-cn'], 'sts.not-a-region.amazonaws.com'],
  [['aws'], 'sts.amazonaws.com.cn', /^unexpected hostname "sts.amazonaws.com.cn" in pre-signed URL$/],
  [['aws'], 'website.amazonaws.com', /^unexpected hostname/],
  [['aws'], 'sts.cn-north-1.api.amazonwebservices.com.cn'],
  [['aws'], 'sts.us-west-2.amazonaws.com.cn'],
  [['aws'], 'sts.cn-north-1.amazonaws.com'],
  [['aws-iso'], 'sts.cn-north-1.amazonaws.com.cn'],
  [['aws-iso-b'], 'sts.cn-north-1.amazonaws.com.cn'],
  [['aws-iso-b'], 'sts.us-isob-east-1.amazonaws.com.cn'],
  [['aws'], 'invalid.amazonaws.com'],
  [['aws'], 'google.com', /^could not parse region for pre-signed URL google.com, invalid host format: google.com$/],
  [['aws'], '', /invalid host format/],
  [['aws'], 'sts..amazonaws.com', /^invalid region identifier format provided: $/],
  [['aws'], 'sts.us_east_1.amazonaws.com', /^invalid region identifier format provided: us_east_1$/],
  [['aws'], 'STS.us-east-1.amazonaws.com', /^unexpected hostname/],
  [['aws'], 'sts.US-EAST-1.amazonaws.com', /^unexpected hostname/],
  [['aws'], 'sts.us-east-1.amazonaws.com.', /^unexpected hostname/],
  [['aws'], 'sts.us-east-1.amazonaws.com.evil.test'],
  [['aws'], 'evil.sts.us-east-1.amazonaws.com'],
  [['aws', 'aws-cn'], 'sts.us-gov-west-1.amazonaws.com', /^partition \{aws-us-gov\} does not support hostname/],
  [['aws'], 'sts.us-iso-east-1.amazonaws.com'],
  [['aws-iso'], 'sts.us-iso-east-1.api.aws'],
];

test('STS host allowlist: valid rows', () => {
  for (const [p, host, region] of VALID) {
    const r = checkStsHost(host, [p]);
    assert.ok(r.ok, `${p} ${host}: ${r.ok ? '' : r.message}`);
    assert.equal(r.stsRegion, region);
    assert.equal(r.partition, p);
  }
});

test('STS host allowlist: invalid rows', () => {
  for (const [ps, host, msg] of INVALID) {
    const r = checkStsHost(host, ps);
    assert.ok(!r.ok, `${ps.join(',')} ${host} should be refused`);
    if (msg) assert.match(r.message, msg, host);
  }
});

test('default partitions accept aws, aws-cn and aws-us-gov hosts together', () => {
  const all: Partition[] = ['aws', 'aws-cn', 'aws-us-gov'];
  for (const h of ['sts.amazonaws.com', 'sts.eu-west-1.amazonaws.com', 'sts.cn-north-1.amazonaws.com.cn', 'sts.us-gov-west-1.amazonaws.com']) {
    assert.ok(checkStsHost(h, all).ok, h);
  }
  assert.equal(checkStsHost('sts.us-iso-east-1.c2s.ic.gov', all).ok, false);
});

test('getStsRegion (upstream table)', () => {
  assert.equal(stsRegionOf('sts.amazonaws.com'), 'global');
  assert.equal(stsRegionOf('sts.us-west-2.amazonaws.com'), 'us-west-2');
  for (const bad of ['', 'sts', 'sts.wrongformat']) assert.equal(stsRegionOf(bad), undefined, bad);
});

test('region label regex (upstream table)', () => {
  for (const ok of ['us-east-1', 'local', '9-west-1']) assert.ok(isValidRegionLabel(ok), ok);
  for (const bad of ['invalid.com', '@invalid.com/%23', 'us_east_1', '-a', 'a-', '']) assert.ok(!isValidRegionLabel(bad), bad);
});

test('partitionOfRegion follows the SDK region patterns, unknown → aws', () => {
  assert.equal(partitionOfRegion('us-east-1'), 'aws');
  assert.equal(partitionOfRegion('not-a-region'), 'aws');
  assert.equal(partitionOfRegion('cn-northwest-1'), 'aws-cn');
  assert.equal(partitionOfRegion('us-gov-east-1'), 'aws-us-gov');
  assert.equal(partitionOfRegion('us-iso-west-1'), 'aws-iso');
  assert.equal(partitionOfRegion('us-isob-east-1'), 'aws-iso-b');
  assert.equal(partitionOfRegion('eu-isoe-west-1'), 'aws-iso-e');
  assert.equal(partitionOfRegion('us-isof-south-1'), 'aws-iso-f');
  assert.equal(partitionOfRegion('eusc-de-east-1'), 'aws-eusc');
});
