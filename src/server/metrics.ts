/**
 * Prometheus metrics (GET /metrics). One registry per server instance so tests can run several
 * servers in one process. Labels are kept low-cardinality: no principals or tokens; the per-cluster
 * gauges carry a `cluster` label (clusters are few) so alerts can name the cluster.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class Metrics {
  readonly registry = new Registry();
  readonly apiRequests = new Counter({
    name: 'entryway_api_requests_total',
    help: 'Management API calls by service, operation and result (Success or the error type).',
    labelNames: ['service', 'operation', 'result'],
    registers: [this.registry],
  });
  readonly tokenReviews = new Counter({
    name: 'entryway_token_reviews_total',
    help: 'TokenReview (and kubectl review endpoint) authentications by result and reason.',
    labelNames: ['kind', 'result', 'reason'],
    registers: [this.registry],
  });
  readonly tokenReviewSeconds = new Histogram({
    name: 'entryway_token_review_duration_seconds',
    help: 'Time to answer a TokenReview, by result.',
    labelNames: ['result'],
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly authzReviews = new Counter({
    name: 'entryway_authorization_reviews_total',
    help: 'SubjectAccessReviews by decision (allowed, no_opinion, error).',
    labelNames: ['decision'],
    registers: [this.registry],
  });
  readonly authzReviewSeconds = new Histogram({
    name: 'entryway_authorization_review_duration_seconds',
    help: 'Time to answer a SubjectAccessReview.',
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly tokenCache = new Counter({
    name: 'entryway_token_cache_total',
    help: 'Verified-token cache lookups by outcome (hit, miss).',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  readonly tokenCacheSize = new Gauge({ name: 'entryway_token_cache_entries', help: 'Verified tokens cached.', registers: [this.registry] });
  readonly stsRequests = new Counter({
    name: 'entryway_sts_requests_total',
    help: 'Calls to the real AWS STS (connected mode) by STS region and outcome.',
    labelNames: ['sts_region', 'outcome'],
    registers: [this.registry],
  });
  readonly stsThrottles = new Counter({
    name: 'entryway_sts_throttles_total',
    help: 'Throttling answers from the real AWS STS.',
    labelNames: ['sts_region'],
    registers: [this.registry],
  });
  readonly staleEntries = new Gauge({
    name: 'entryway_stale_access_entries',
    help: 'Access entries whose IAM principal was deleted, or deleted and recreated (a different unique ID): they match nobody. Per cluster.',
    labelNames: ['cluster'],
    registers: [this.registry],
  });
  readonly clusterAdminPaths = new Gauge({
    name: 'entryway_cluster_admin_paths',
    help: 'Live cluster-admin paths of API-mode clusters (entries with AmazonEKSClusterAdminPolicy at cluster scope whose principal can authenticate). 0: nobody can administer the cluster through Entryway.',
    labelNames: ['cluster'],
    registers: [this.registry],
  });
  readonly unusedEntries = new Gauge({
    name: 'entryway_unused_access_entries',
    help: 'Access entries nobody authenticated with for longer than --unused-after (default 90 days), counted from creation when never used. Per cluster; refreshed at most once a minute.',
    labelNames: ['cluster'],
    registers: [this.registry],
  });
  readonly clusterAwsAuthRejected = new Gauge({
    name: 'entryway_cluster_aws_auth_rejected',
    help: "1 while a cluster's last aws-auth document was rejected (the previous mapping is in force).",
    labelNames: ['cluster'],
    registers: [this.registry],
  });
  readonly storeUp = new Gauge({ name: 'entryway_store_up', help: '1 when the database answers.', registers: [this.registry] });
  readonly changeFeedUp = new Gauge({ name: 'entryway_change_feed_up', help: '1 when the change feed is live (PostgreSQL LISTEN).', registers: [this.registry] });
  readonly indexResyncs = new Counter({ name: 'entryway_index_resyncs_total', help: 'Full resynchronisations of the in-memory index.', registers: [this.registry] });
  readonly indexReloads = new Counter({
    name: 'entryway_index_reloads_total',
    help: 'Slices of the in-memory index reloaded after a change, by kind.',
    labelNames: ['kind'],
    registers: [this.registry],
  });
  readonly auditDropped = new Gauge({ name: 'entryway_audit_dropped_events', help: 'Audit events that could not be written.', registers: [this.registry] });
  readonly rateLimited = new Counter({
    name: 'entryway_rate_limited_total',
    help: 'Requests refused by the per-client rate limit, by surface.',
    labelNames: ['surface'],
    registers: [this.registry],
  });
  readonly awsAuthRejected = new Counter({
    name: 'entryway_aws_auth_rejected_total',
    help: 'aws-auth documents rejected (the last good mapping was kept).',
    registers: [this.registry],
  });

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'entryway_' });
  }
}
