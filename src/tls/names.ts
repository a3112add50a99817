// The files `trireme certs` writes into its directory, as the configs `trireme init --tls` writes
// name them.
export const CERT_FILES = {
  ca: "ca.pem",
  caKey: "ca-key.pem",
  member: (id: number) => `node-${id}.pem`,
  memberKey: (id: number) => `node-${id}-key.pem`,
  operator: "operator.pem",
  operatorKey: "operator-key.pem",
} as const;
