// One `skiff up` at a time chooses a new cluster's subnets: each reads the routes and the clusters registered
// in /run/skiff-clusters, so two choosing at once (a test suite runs two files that call `up`) could both take
// 10.244.0.0/16 before either registered, and their node-1 agents would then fight over the host's routes to
// the same pod CIDRs. The lock is an abstract unix socket: the kernel frees it when its holder dies (no stale
// lock file to judge), and it is per network namespace, as the routes it guards are.
import { createServer } from 'node:net';
import { unavailable } from '../../lib/errors.ts';

const LOCK = '\0skiff-cluster-layout';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function tryListen(): Promise<ReturnType<typeof createServer> | undefined> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => (err.code === 'EADDRINUSE' ? done(undefined) : fail(err)));
    server.listen({ path: LOCK }, () => done(server.unref()));
  });
}

/** runs `fn` while no other `skiff up` on this machine (network namespace) chooses or registers a layout */
export async function withLayoutLock<T>(fn: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let server = await tryListen();
  while (!server) {
    if (Date.now() > deadline) throw unavailable(`another skiff up has been choosing its cluster's subnets for ${timeoutMs / 1000} s; try again`);
    await sleep(50);
    server = await tryListen();
  }
  try {
    return await fn();
  } finally {
    server.close();
  }
}
