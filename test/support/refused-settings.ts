/** Settings that must stop the server and the CLI at start, with the message naming the variable. */
export const REFUSED_SECURITY_SETTINGS: [Record<string, string>, string][] = [
  [
    { ARGILLA_LOCAL_AUTH_SECRET_KEY: 'CHANGE-ME-to-the-output-of-openssl-rand-hex-32' },
    'ARGILLA_LOCAL_AUTH_SECRET_KEY is a placeholder from the examples, not a secret: ' +
      'set it to the output of `openssl rand -hex 32`',
  ],
  [
    { ARGILLA_LOCAL_AUTH_SECRET_KEY: 'short' },
    'ARGILLA_LOCAL_AUTH_SECRET_KEY must be at least 32 bytes long (got 5): set it to the output of `openssl rand -hex 32`',
  ],
  [
    { ARGILLA_TRUSTED_PROXIES: 'not a subnet!' },
    'ARGILLA_TRUSTED_PROXIES must be a hop count or a comma-separated list of addresses, subnets, ' +
      "loopback, linklocal or uniquelocal (got 'not a subnet!')",
  ],
];
