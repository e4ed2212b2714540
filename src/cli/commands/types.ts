export interface Command {
  /** One or more words, e.g. `serve` or `aws-auth apply`. */
  name: string;
  summary: string;
  help: string;
  run: (args: string[]) => Promise<number>;
}

/** Flags every client command accepts to find the server. */
export const CLIENT_FLAGS = {
  'data-dir': { type: 'string' },
  endpoint: { type: 'string' },
  region: { type: 'string' },
  profile: { type: 'string' },
} as const;

export const CLIENT_FLAGS_HELP = `Connection:
  --data-dir DIR     Entryway data directory (default ./.entryway): server URL, CA and admin credentials
  --endpoint URL     Entryway endpoint (default: AWS_ENDPOINT_URL, then DIR/server.json)
  --region REGION    signing region (default: AWS_REGION/AWS_DEFAULT_REGION, then the server's)
  --profile NAME     credentials profile (default: AWS_ACCESS_KEY_ID/…, AWS_PROFILE, then entryway-admin)`;
