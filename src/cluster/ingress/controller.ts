// The Ingress controller inside `skiff server`: listeners for HTTP and HTTPS (HTTP/2 or HTTP/1.1 by ALPN, the
// certificate by SNI), the routing table rebuilt from the watched Ingresses of our class (swapped whole, so
// open connections carry on with the new rules), Services and EndpointSlices read at request time, and a
// reconcile per Ingress that writes its status address and records events for what it names but is missing.
import { createServer as createHttpServer, type Server } from 'node:http';
import { createSecureServer, type Http2SecureServer } from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import type { Secret, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Ingress, IngressClass } from 'kubernetes-types/networking/v1.js';
import type { ApiClient, EventRecorder, InformerFactory } from '../client/types.ts';
import { createWorkQueue, runWorkers } from '../client/index.ts';
import type { KObject } from '../types/meta.ts';
import { objectKey, splitKey } from '../types/meta.ts';
import { R } from '../types/gvr.ts';
import { isStatusError } from '../types/status-error.ts';
import { logger } from '../../lib/log.ts';
import { buildRoutes, isOurs, tlsFor, type Backend, type RouteTable } from './routes.ts';
import { createRoundRobin, resolveBackend, type BackendSource } from './backends.ts';
import { createCertStore } from './certs.ts';
import { createRequestHandler, createUpgradeHandler, type ProxyDeps } from './proxy.ts';
import { publish, serviceName, serviceNamespace, type Listener } from './publish.ts';
import { ingressStatusAddress, problemsOf } from './status.ts';

const log = logger('ingress');
const serviceLabel = 'kubernetes.io/service-name';
const publishKey = '#publish';
// a streamed upload may take longer than Node's 5-minute request timeout: only the headers are timed
const serverTimeouts = { keepAliveTimeout: 65_000, headersTimeout: 60_000, requestTimeout: 0 };

export interface IngressOptions {
  client: ApiClient;
  /** a factory of this controller's own (it runs on every server, not only the leader) */
  informers: InformerFactory;
  recorder: EventRecorder;
  bindAddress: string;
  /** the address other components reach the listener on when it binds all addresses */
  advertiseAddress: string;
  /** undefined: no HTTP listener; 0: any free port */
  httpPort?: number;
  httpsPort?: number;
  /** the certificate for names no Ingress has a Secret for */
  defaultTls: { cert: string; key: string };
  signal: AbortSignal;
}

export interface RunningIngress {
  httpPort?: number;
  httpsPort?: number;
  /** resolves once the listeners are closed and the loop ended (after signal aborts) */
  done: Promise<void>;
}

type Obj<T> = T & KObject;

export async function startIngress(o: IngressOptions): Promise<RunningIngress> {
  const ingresses = o.informers.informer<Obj<Ingress>>(R.ingresses);
  const classes = o.informers.informer<Obj<IngressClass>>(R.ingressclasses);
  const services = o.informers.informer<Obj<Service>>(R.services);
  const slices = o.informers.informer<Obj<EndpointSlice>>(R.endpointslices);
  const secrets = o.informers.informer<Obj<Secret>>(R.secrets);
  const byService = 'ingress/service';
  slices.addIndex(byService, (s) => {
    const svc = s.metadata?.labels?.[serviceLabel];
    return svc ? [`${s.metadata?.namespace}/${svc}`] : [];
  });

  // the table is rebuilt lazily after any Ingress or IngressClass change and swapped in whole
  let table: RouteTable | undefined;
  const ours = () => ingresses.list().filter((i) => isOurs(i, classes.list()));
  const currentTable = () => (table ??= buildRoutes(ours()));
  const source: BackendSource = {
    service: (ns, name) => services.get(`${ns}/${name}`),
    slices: (ns, name) => slices.byIndex(byService, `${ns}/${name}`),
  };
  const certs = createCertStore((ns, name) => secrets.get(`${ns}/${name}`), o.defaultTls);
  const deps: ProxyDeps = { table: currentTable, resolve: (b: Backend) => resolveBackend(source, b), order: createRoundRobin() };

  const queue = createWorkQueue({ name: 'ingress' });
  const enqueueAll = () => {
    for (const i of ingresses.list()) queue.add(objectKey(i));
  };
  const invalidate = () => {
    table = undefined;
    enqueueAll();
  };
  ingresses.on({ add: (i) => { table = undefined; queue.add(objectKey(i)); }, update: (_a, i) => { table = undefined; queue.add(objectKey(i)); }, delete: () => { table = undefined; } });
  classes.on({ add: invalidate, update: invalidate, delete: invalidate });
  // what an Ingress names may appear or go: its events and status follow; our own Service and slice are kept
  const isPublished = (o: KObject) => o.metadata?.namespace === serviceNamespace && (o.metadata?.name === serviceName || o.metadata?.labels?.[serviceLabel] === serviceName);
  const onService = (s: Obj<Service>) => {
    if (isPublished(s)) queue.add(publishKey);
    enqueueAll();
  };
  services.on({ add: onService, update: (_a, s) => onService(s), delete: onService });
  secrets.on({ add: enqueueAll, update: enqueueAll, delete: (s) => { certs.forget(s.metadata?.namespace ?? '', s.metadata?.name ?? ''); enqueueAll(); } });
  const onSlice = (s: Obj<EndpointSlice>) => {
    if (isPublished(s)) queue.add(publishKey);
  };
  slices.on({ update: (_a, s) => onSlice(s), delete: onSlice });

  o.informers.start(o.signal);
  await o.informers.waitForSync(o.signal);

  const listeners: (Server | Http2SecureServer)[] = [];
  // every client connection, so a stop ends them: keep-alive and HTTP/2 sessions would hold close() for ever
  const sockets = new Set<Socket>();
  const listen = (srv: Server | Http2SecureServer, port: number) => new Promise<number>((ok, fail) => {
    srv.on('connection', (s: Socket) => {
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
    });
    srv.once('error', fail);
    srv.listen(port, o.bindAddress, () => ok((srv.address() as AddressInfo).port));
  });
  let httpPort: number | undefined;
  let httpsPort: number | undefined;
  if (o.httpPort !== undefined) {
    const srv = createHttpServer(serverTimeouts, createRequestHandler(deps, 'http'));
    srv.on('upgrade', createUpgradeHandler(deps, 'http'));
    listeners.push(srv);
    httpPort = await listen(srv, o.httpPort);
  }
  if (o.httpsPort !== undefined) {
    const srv = createSecureServer({
      ...serverTimeouts,
      allowHTTP1: true,
      cert: o.defaultTls.cert,
      key: o.defaultTls.key,
      SNICallback: (name, cb) => cb(null, certs.contextFor(tlsFor(currentTable(), name))),
    }, createRequestHandler(deps, 'https'));
    srv.on('upgrade', createUpgradeHandler(deps, 'https'));
    listeners.push(srv);
    httpsPort = await listen(srv, o.httpsPort);
  }
  const listener: Listener = { address: o.advertiseAddress, httpPort, httpsPort };
  log.info(`serving Ingresses on ${o.bindAddress}`, { http: httpPort, https: httpsPort });

  const lastProblems = new Map<string, string>();
  async function sync(key: string): Promise<void> {
    if (key === publishKey) {
      return publish(o.client, listener, {
        ingressClass: () => classes.get('skiff'),
        service: () => services.get(`${serviceNamespace}/${serviceName}`),
        slice: (name) => slices.get(`${serviceNamespace}/${name}`),
      });
    }
    const ing = ingresses.get(key);
    if (!ing || !isOurs(ing, classes.list())) return void lastProblems.delete(key);
    const problems = problemsOf(ing, source, certs);
    const signature = JSON.stringify(problems);
    if (signature !== lastProblems.get(key)) {
      for (const p of problems) o.recorder.event(ing, 'Warning', p.reason, p.message);
      lastProblems.set(key, signature);
    }
    const address = ingressStatusAddress(services.get(`${serviceNamespace}/${serviceName}`), o.advertiseAddress);
    const have = (ing.status?.loadBalancer?.ingress ?? []).map((i) => i.ip);
    if (JSON.stringify(have) !== JSON.stringify([address])) {
      const { namespace, name } = splitKey(key);
      await o.client.patch(R.ingresses, namespace, name, 'merge', { status: { loadBalancer: { ingress: [{ ip: address }] } } }, { subresource: 'status' })
        .catch((err: unknown) => { if (!isStatusError(err, 'NotFound')) throw err; });
    }
  }
  queue.add(publishKey);
  enqueueAll();
  const loop = runWorkers(queue, 1, sync, o.signal, 'ingress');

  const done = (async () => {
    await new Promise<void>((ok) => (o.signal.aborted ? ok() : o.signal.addEventListener('abort', () => ok(), { once: true })));
    const closing = Promise.all(listeners.map((srv) => new Promise<void>((closed) => {
      srv.close(() => closed());
    })));
    for (const sock of sockets) sock.destroy();
    await closing;
    await loop;
  })();
  return { httpPort, httpsPort, done };
}
