// `skiff server`: the control plane in one process — store, API server (HTTPS, bearer tokens), scheduler
// and controller manager. The controllers and scheduler hold the REST layer itself as their client (no
// loopback HTTP), so they go through the same admission, validation and watch cache as kubectl does.
import { createServer as createHttpsServer } from 'node:https';
import { mkdir, rm } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { openStore } from '../store/index.ts';
import { createRest, DEFAULT_SERVICE_CIDR, firstServiceIP } from '../apiserver/rest/index.ts';
import { createPatcher } from '../apiserver/patch/index.ts';
import { createOpenApiDocs } from '../apiserver/openapi/index.ts';
import { runCrdController, withCustomResources } from '../apiserver/crd/index.ts';
import { createApiHandler, createApiUpgradeHandler } from '../apiserver/http/index.ts';
import { createKubeletStreams } from '../apiserver/streams/index.ts';
import { createMetricsApi, createMetricsScraper, httpsSummaryFetcher } from '../metrics/index.ts';
import { createInformerFactory, createEventRecorder } from '../client/index.ts';
import type { ApiClient, ControllerContext } from '../client/types.ts';
import { createControllers } from '../controllers/index.ts';
import { parseLbPool } from '../controllers/servicelb/index.ts';
import { createCidrSet, DEFAULT_CLUSTER_CIDR } from '../controllers/nodeipam/index.ts';
import { createScheduler } from '../scheduler/index.ts';
import { resources } from '../types/registry.ts';
import { createResourceSet } from '../types/resource-set.ts';
import { ensureClusterCa, ensureKubeletClientTls, ensureServingTls, selfSignedServingTls } from './tls.ts';
import { startIngress, type RunningIngress } from '../ingress/index.ts';
import { loadTokens } from './tokens.ts';
import { adminKubeconfig } from './kubeconfig.ts';
import { runLeaderElected } from './leader.ts';
import { createApiMetrics } from './metrics.ts';
import { runEndpointReconciler } from './endpoint-reconciler.ts';
import { createBootstrapTokenAuthenticator } from './bootstrap-tokens.ts';
import { bearerToken, chainAuthenticators, clientCertificateUser } from './authn.ts';
import { createServiceAccountAuthenticator, createTokenRequestIssuer, DEFAULT_ISSUER, ensureServiceAccountKey, issuerDiscovery, signJwt } from '../serviceaccount/index.ts';
import { createRbacAuthorizer, createReviews, informerRbacSource, reconcileBootstrapPolicy } from '../rbac/index.ts';
import type { IncomingMessage } from 'node:http';
import { writeFileAtomic } from '../../lib/atomic.ts';
import { logger } from '../../lib/log.ts';
import { firstHostIPv4 } from '../../lib/ipv4.ts';
import { invalidArgument } from '../../lib/errors.ts';

const log = logger('server');

export const DEFAULT_SERVER_ROOT = '/var/lib/skiff/server';
/** how old the pod metrics an HPA sync reads may be (a fresher scrape is made first; the scraper's own pass is every 15 s) */
const HPA_METRICS_MAX_AGE_MS = 10_000;

export interface ServerOptions {
  root?: string;
  port?: number;
  bindAddress?: string;
  /** sqlite:///path/state.db (default <root>/state.db) or etcd://host:port[,host:port] */
  datastore?: string;
  serviceCIDR?: string;
  /** LoadBalancer addresses: `A-B` or a CIDR, several joined by commas (servicelb); unset: LB Services stay pending */
  lbPool?: string;
  /** the address the `kubernetes` Service's endpoints name (default: the bind address, or this host's first IPv4 when bound to all) */
  advertiseAddress?: string;
  /** Nodes without a podCIDR get a /nodeCidrMaskSize of this (default 10.42.0.0/16, /24) */
  clusterCIDR?: string;
  nodeCidrMaskSize?: number;
  nodeMonitorGracePeriodMs?: number;
  /** the DefaultTolerationSeconds admission plugin's tolerations of not-ready / unreachable (kube-apiserver's flags, 300 s) */
  defaultNotReadyTolerationSeconds?: number;
  defaultUnreachableTolerationSeconds?: number;
  /** --horizontal-pod-autoscaler-sync-period (default 15 s) and -downscale-stabilization (default 5 min) */
  hpaSyncPeriodMs?: number;
  hpaDownscaleStabilizationMs?: number;
  /** the Ingress controller's listeners (each off unless its port is given; 0: any free port) */
  ingress?: { bindAddress?: string; httpPort?: number; httpsPort?: number };
  /** extra names/IPs for the serving certificate */
  tlsSANs?: string[];
  signal: AbortSignal;
}

export interface RunningServer {
  url: string;
  kubeconfigPath: string;
  /** the Ingress controller's ports, when it listens */
  ingress?: { httpPort?: number; httpsPort?: number };
  /** resolves when the server has stopped (after signal aborts) */
  done: Promise<void>;
}

/** the client with `fieldManager` defaulted for its writes */
function asFieldManager(client: ApiClient, fieldManager: string): ApiClient {
  return {
    get: client.get.bind(client),
    list: client.list.bind(client),
    watch: client.watch.bind(client),
    delete: client.delete.bind(client),
    deleteCollection: client.deleteCollection.bind(client),
    create: (r, ns, obj, o) => client.create(r, ns, obj, { fieldManager, ...o }),
    update: (r, ns, obj, o) => client.update(r, ns, obj, { fieldManager, ...o }),
    patch: (r, ns, name, type, patch, o) => client.patch(r, ns, name, type, patch, { fieldManager, ...o }),
  };
}

const isEtcd = (datastore: string | undefined) => datastore?.startsWith('etcd://') ?? false;

export const kubeconfigPathOf = (root: string) => join(root, 'admin.kubeconfig');

export async function runServer(opts: ServerOptions): Promise<RunningServer> {
  const root = resolve(opts.root ?? DEFAULT_SERVER_ROOT);
  const port = opts.port ?? 6443;
  const bindAddress = opts.bindAddress ?? '127.0.0.1';
  const lbPool = opts.lbPool ? parseLbPool(opts.lbPool) : undefined;
  // flags the controllers read later are checked now, before anything is made
  createCidrSet(opts.clusterCIDR ?? DEFAULT_CLUSTER_CIDR, opts.nodeCidrMaskSize ?? 24);
  for (const [flag, v] of [['--default-not-ready-toleration-seconds', opts.defaultNotReadyTolerationSeconds], ['--default-unreachable-toleration-seconds', opts.defaultUnreachableTolerationSeconds]] as const) {
    if (v !== undefined && (!Number.isInteger(v) || v < 0)) throw invalidArgument(`invalid ${flag} ${v}: use a whole number of seconds, 0 or more`);
  }
  if (opts.advertiseAddress !== undefined && !isIP(opts.advertiseAddress)) throw invalidArgument(`invalid advertise address "${opts.advertiseAddress}": use an IP address`);
  // pods reach the server as https://<the kubernetes Service's address> (client-go's in-cluster config): the certificate names it
  const serviceIP = firstServiceIP(opts.serviceCIDR ?? DEFAULT_SERVICE_CIDR);
  await mkdir(root, { recursive: true, mode: 0o700 });

  const [tls, tokens] = await Promise.all([ensureServingTls(join(root, 'tls'), [...(opts.tlsSANs ?? []), serviceIP]), loadTokens(join(root, 'tokens'))]);
  const kubeletClient = await ensureKubeletClientTls(join(root, 'tls'));
  // ServiceAccount tokens: JWTs signed with <root>/tls/service-account.key, for the issuer's audience
  const saKey = await ensureServiceAccountKey(join(root, 'tls'));
  const saAudiences = [DEFAULT_ISSUER];
  // the CA signs kube-apiserver-client CSRs too (kube-controller-manager's --cluster-signing-{cert,key}-file)
  const clusterCa = await ensureClusterCa(join(root, 'tls'));
  const store = await openStore(opts.datastore ?? `sqlite://${join(root, 'state.db')}`);
  // the served kinds: the built-ins, then what CustomResourceDefinitions install while the server runs
  const served = createResourceSet(resources);
  // the vendored documents, and one per custom group-version (made from the CRDs' schemas)
  const openapi = withCustomResources(createOpenApiDocs(), served);
  const metrics = createApiMetrics();
  const tokenRequest = createTokenRequestIssuer({ key: saKey, issuer: DEFAULT_ISSUER, audiences: saAudiences });
  const rest = metrics.timed(createRest({ store, resources: served, patcher: createPatcher(openapi), serviceCIDR: opts.serviceCIDR, tokenRequest,
    admissionOptions: { defaultNotReadyTolerationSeconds: opts.defaultNotReadyTolerationSeconds, defaultUnreachableTolerationSeconds: opts.defaultUnreachableTolerationSeconds } }));
  await rest.start();

  const loops = new AbortController();
  // every server installs the CRDs' kinds into its own set; it serves once the stored ones are in
  const crdsReady = new Promise<void>((ready) => {
    void runCrdController({ client: asFieldManager(rest, 'kube-apiserver'), resources: served, cacheSynced: () => rest.cacheSynced(), ready }, loops.signal)
      .catch((err: unknown) => log.error(`crd controller stopped: ${(err as Error).stack ?? err}`));
  });
  await Promise.race([crdsReady, new Promise((r) => setTimeout(r, 10_000).unref())]);
  // the static token file, then bootstrap tokens (Secrets in kube-system: what `skiff token create` makes),
  // then ServiceAccount tokens (JWTs from TokenRequest)
  const bootstrapTokens = createBootstrapTokenAuthenticator(rest);
  bootstrapTokens.run(loops.signal);
  const serviceAccountTokens = createServiceAccountAuthenticator({ client: rest, publicKey: saKey.publicKey, issuer: DEFAULT_ISSUER, audiences: saAudiences });
  const authenticateToken = chainAuthenticators([tokens.authenticateToken, bootstrapTokens.authenticateToken, serviceAccountTokens]);
  // as kube-apiserver's chain: a client certificate of the cluster CA first, then the bearer token
  const authenticate = async (req: IncomingMessage) => {
    const byCert = clientCertificateUser(req);
    if (byCert) return byCert;
    const token = bearerToken(req);
    return token === undefined ? undefined : authenticateToken(token);
  };
  // RBAC: the bootstrap roles and bindings first, then the authorizer's caches, before anyone is served
  await reconcileBootstrapPolicy(rest);
  const rbacInformers = createInformerFactory(rest);
  const authorizer = createRbacAuthorizer(informerRbacSource(rbacInformers));
  rbacInformers.start(loops.signal);
  await rbacInformers.waitForSync(loops.signal);
  const reviews = createReviews({
    authorizer, authenticateToken, apiAudiences: saAudiences,
    authenticateForAudiences: async (token, audiences) => createServiceAccountAuthenticator({ client: rest, publicKey: saKey.publicKey, issuer: DEFAULT_ISSUER, audiences })(token),
  });
  const streams = createKubeletStreams(rest, kubeletClient);
  // kubectl top: the kubelets' summaries scraped with the same client certificate the streams use
  const scraper = createMetricsScraper({ client: rest, fetchSummary: httpsSummaryFetcher(kubeletClient) });
  // the HPA controller reads the same scrapes metrics.k8s.io answers with (no loopback HTTP)
  const hpaMetrics = { podUsages: async (namespace: string) => [...(await scraper.current(HPA_METRICS_MAX_AGE_MS)).values()].flatMap((s) => s.pods.filter((p) => p.namespace === namespace)) };
  const handler = createApiHandler({ rest, resources: served, openapi, authenticate, authorizer, reviews, streams, serviceAccountIssuer: issuerDiscovery(DEFAULT_ISSUER, saKey), metrics: createMetricsApi({ client: rest, scraper }) });
  // client certificates are asked for, never required: one the CA did not sign is not trusted (the token decides)
  const https = createHttpsServer({ key: tls.key, cert: tls.cert, ca: tls.ca, requestCert: true, rejectUnauthorized: false, keepAliveTimeout: 65_000 }, (req, res) => {
    if (req.url === '/metrics' && req.method === 'GET') {
      // as kube: the system:monitoring role (cluster-admin too) may read it; the API handler answers 401/403 otherwise
      void authenticate(req).then((user) => {
        if (user && authorizer.authorize(user, { resourceRequest: false, verb: 'get', path: '/metrics' }).allowed) res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(metrics.render());
        else handler(req, res);
      });
      return;
    }
    // k3s' /cacerts: the CA for anyone, so a joining agent can check it against its token's hash
    if (req.url === '/cacerts' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end(tls.ca);
      return;
    }
    handler(req, res);
  });
  // kubectl exec/attach/port-forward: WebSocket or SPDY upgrades, proxied to the pod's kubelet
  https.on('upgrade', createApiUpgradeHandler({ rest, resources: served, authenticate, authorizer, streams }));
  await new Promise<void>((ok, fail) => {
    https.once('error', fail);
    https.listen(port, bindAddress, () => ok());
  }).catch((err: unknown) => {
    loops.abort();
    throw err;
  });
  const actualPort = (https.address() as { port: number }).port;
  const anyAddress = bindAddress === '0.0.0.0' || bindAddress === '::';
  const host = anyAddress ? '127.0.0.1' : bindAddress;
  const url = `https://${host.includes(':') ? `[${host}]` : host}:${actualPort}`;
  const advertise = opts.advertiseAddress ?? (anyAddress ? firstHostIPv4() : bindAddress);
  await rest.bootstrap({ address: advertise, port: actualPort });

  const kubeconfigPath = kubeconfigPathOf(root);
  await writeFileAtomic(kubeconfigPath, adminKubeconfig({ server: url, caPem: tls.ca, token: tokens.adminToken }), { mode: 0o600 });
  await writeFileAtomic(join(root, 'server.pid'), `${process.pid}\n`);

  const scraping = scraper.run(loops.signal);
  // every server keeps itself in the `kubernetes` Service's endpoints (and takes itself out when it stops)
  const reconcilingEndpoints = runEndpointReconciler({ rest, address: advertise, port: actualPort }, loops.signal);
  // one term of leadership: its own informers, scheduler and controllers, all stopped when the term ends
  const running: Promise<unknown>[] = [];
  const lead = (term: AbortSignal) => {
    const informers = createInformerFactory(rest);
    // as in Kubernetes, managedFields name the component that wrote: kube-scheduler, kube-controller-manager
    const contextFor = (manager: string): ControllerContext => ({
      client: asFieldManager(rest, manager),
      informers,
      recorder: (component) => createEventRecorder(rest, component, () => new Date()),
      now: () => new Date(),
    });
    const controllers = [
      createScheduler(contextFor('kube-scheduler')),
      ...createControllers(contextFor('kube-controller-manager'), {
        nodeMonitorGracePeriodMs: opts.nodeMonitorGracePeriodMs, lbPool, clusterCIDR: opts.clusterCIDR, nodeCidrMaskSize: opts.nodeCidrMaskSize, rootCA: tls.ca,
        signServiceAccountToken: (claims) => signJwt(claims, saKey.privateKey, saKey.kid),
        servedResources: () => served.list(),
        hpa: { metrics: hpaMetrics, syncPeriodMs: opts.hpaSyncPeriodMs, downscaleStabilizationMs: opts.hpaDownscaleStabilizationMs, findKind: (g, k) => served.byKind(g, k) },
        csrSigning: { ca: clusterCa },
      }),
    ];
    for (const c of controllers) running.push(c.run(term).catch((err: unknown) => log.error(`${c.name} stopped: ${(err as Error).stack ?? err}`)));
    informers.start(term);
  };
  // SQLite is one server's own file (locked); etcd may be shared by several servers: elect a leader
  if (isEtcd(opts.datastore)) running.push(runLeaderElected({ client: rest }, lead, loops.signal));
  else lead(loops.signal);
  // the Ingress controller serves on every server (not only the leader): its own caches, events and listeners
  let ingress: RunningIngress | undefined;
  const io = opts.ingress;
  if (io && (io.httpPort !== undefined || io.httpsPort !== undefined)) {
    const bind = io.bindAddress ?? bindAddress;
    ingress = await startIngress({
      client: asFieldManager(rest, 'skiff-ingress'),
      informers: createInformerFactory(rest),
      recorder: createEventRecorder(rest, 'skiff-ingress', () => new Date()),
      bindAddress: bind,
      advertiseAddress: bind === '0.0.0.0' || bind === '::' ? advertise : bind,
      httpPort: io.httpPort,
      httpsPort: io.httpsPort,
      defaultTls: await selfSignedServingTls('Skiff Ingress Controller Fake Certificate', ['ingress.local']),
      signal: loops.signal,
    });
  }
  log.info(`control plane listening on ${url} (datastore ${opts.datastore ?? 'sqlite'}); kubeconfig: ${kubeconfigPath}`);

  const done = new Promise<void>((ok) => {
    const stop = async () => {
      loops.abort();
      https.closeAllConnections();
      await new Promise<void>((closed) => https.close(() => closed()));
      await Promise.allSettled([...running, scraping, reconcilingEndpoints, ...(ingress ? [ingress.done] : [])]);
      await rest.close();
      await store.close();
      await rm(join(root, 'server.pid'), { force: true });
      ok();
    };
    if (opts.signal.aborted) void stop();
    else opts.signal.addEventListener('abort', () => void stop(), { once: true });
  });
  return { url, kubeconfigPath, ingress: ingress && { httpPort: ingress.httpPort, httpsPort: ingress.httpsPort }, done };
}
