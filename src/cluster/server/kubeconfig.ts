// The admin kubeconfig `skiff server` writes and `skiff kubeconfig` prints: plain kubectl with it just works.
export function adminKubeconfig(opts: { server: string; caPem: string; token: string; name?: string }): string {
  const name = opts.name ?? 'skiff';
  const ca = Buffer.from(opts.caPem).toString('base64');
  return `apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority-data: ${ca}
    server: ${opts.server}
  name: ${name}
contexts:
- context:
    cluster: ${name}
    user: ${name}-admin
  name: ${name}
current-context: ${name}
preferences: {}
users:
- name: ${name}-admin
  user:
    token: ${opts.token}
`;
}
