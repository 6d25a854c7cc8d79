// The kernel side of the pod network, through iproute2 in one network namespace (the agent's own, or a
// named one for tests): reachability of a node IP, the VXLAN device, routes, neighbour and FDB entries.
import { runProgram } from '../../lib/spawn.ts';
import { unavailable } from '../../lib/errors.ts';
import { VXLAN_DEVICE, VXLAN_PORT, VXLAN_VNI, type Reach, type RouteWant, type VxlanPeer } from './plan.ts';

const IP = '/usr/sbin/ip';
const BRIDGE = '/usr/sbin/bridge';

export interface Kernel {
  reach(ip: string): Promise<Reach>;
  /** the VXLAN device for this node (made, or remade when its settings are off), up; its MAC */
  ensureVxlan(nodeIP: string, vtep: string): Promise<string>;
  routes(): Promise<RouteWant[]>;
  replaceRoute(r: RouteWant): Promise<void>;
  deleteRoute(r: RouteWant): Promise<void>;
  /** permanent neighbour entries on the VXLAN device: VTEP → MAC */
  neighbours(): Promise<{ vtep: string; mac: string }[]>;
  /** static FDB entries on the VXLAN device: MAC → node IP */
  fdb(): Promise<{ mac: string; nodeIP: string }[]>;
  addPeer(p: VxlanPeer): Promise<void>;
  deleteNeighbour(vtep: string): Promise<void>;
  deleteFdb(mac: string, nodeIP: string): Promise<void>;
}

async function run(netns: string | undefined, path: string, args: string[], what: string): Promise<string> {
  const r = await runProgram(path, netns ? ['-n', netns, ...args] : args, { timeoutMs: 30_000 });
  if (r.code !== 0) throw unavailable(`${what}: ${[path.split('/').pop(), ...args].join(' ')}: ${(r.stderr || r.error?.message || `status ${r.code}`).trim()}`);
  return r.stdout;
}

/** a deletion of something already gone is done */
const gone = (err: unknown) => /No such process|No such file|Cannot find device|not found/i.test((err as Error).message);

export function createKernel(netns?: string): Kernel {
  const ip = (args: string[], what: string) => run(netns, IP, args, what);
  const json = async <T>(args: string[], what: string): Promise<T> => JSON.parse((await ip(['-j', ...args], what)) || '[]') as T;
  const tolerateGone = async (step: Promise<unknown>) => {
    try {
      await step;
    } catch (err) {
      if (!gone(err)) throw err;
    }
  };

  async function deviceOf(address: string): Promise<{ ifname: string; mtu: number }> {
    const links = await json<{ ifname: string; mtu: number; addr_info?: { local: string }[] }[]>(['-4', 'addr', 'show'], 'listing addresses');
    const l = links.find((x) => x.addr_info?.some((a) => a.local === address));
    if (!l) throw unavailable(`no interface here has the node IP ${address}`);
    return { ifname: l.ifname, mtu: l.mtu };
  }

  return {
    async reach(to) {
      try {
        const [r] = await json<{ gateway?: string; type?: string }[]>(['route', 'get', to], `looking up the route to ${to}`);
        if (!r || r.type === 'unreachable' || r.type === 'blackhole') return 'unreachable';
        if (r.type === 'local') return 'local';
        return r.gateway ? 'routed' : 'direct';
      } catch (err) {
        if (/unreachable|No route/i.test((err as Error).message)) return 'unreachable';
        throw err;
      }
    },
    async ensureVxlan(nodeIP, vtep) {
      const dev = await deviceOf(nodeIP);
      type Link = { address: string; linkinfo?: { info_data?: { id?: number; local?: string; port?: number; learning?: boolean } } };
      let link: Link | undefined = (await json<Link[]>(['-d', 'link', 'show', VXLAN_DEVICE], 'reading the VXLAN device').catch((err: Error) => {
        if (gone(err) || /does not exist/.test(err.message)) return [] as Link[];
        throw err;
      }))[0];
      const d = link?.linkinfo?.info_data;
      if (link && (d?.id !== VXLAN_VNI || d?.local !== nodeIP || d?.port !== VXLAN_PORT)) {
        await ip(['link', 'del', VXLAN_DEVICE], 'removing a VXLAN device with other settings');
        link = undefined;
      }
      if (!link) {
        await ip(['link', 'add', VXLAN_DEVICE, 'type', 'vxlan', 'id', String(VXLAN_VNI), 'local', nodeIP, 'dev', dev.ifname,
          'dstport', String(VXLAN_PORT), 'nolearning'], 'making the VXLAN device');
        // VXLAN's outer headers take 50 bytes of the underlay's MTU
        await ip(['link', 'set', VXLAN_DEVICE, 'mtu', String(dev.mtu - 50)], 'setting the VXLAN MTU');
      }
      await ip(['addr', 'replace', `${vtep}/32`, 'dev', VXLAN_DEVICE], 'addressing the VXLAN device');
      await ip(['link', 'set', VXLAN_DEVICE, 'up'], 'bringing the VXLAN device up');
      const [now] = await json<Link[]>(['link', 'show', VXLAN_DEVICE], 'reading the VXLAN MAC');
      return now.address;
    },
    async routes() {
      const rs = await json<{ dst: string; gateway?: string; dev?: string; flags?: string[] }[]>(['-4', 'route', 'show'], 'listing routes');
      return rs.filter((r) => r.gateway).map((r) => ({ dst: r.dst, via: r.gateway!, ...(r.dev === VXLAN_DEVICE ? { dev: VXLAN_DEVICE } : {}) }));
    },
    async replaceRoute(r) {
      await ip(['route', 'replace', r.dst, 'via', r.via, ...(r.dev ? ['dev', r.dev, 'onlink'] : [])], `routing ${r.dst}`);
    },
    async deleteRoute(r) {
      await tolerateGone(ip(['route', 'del', r.dst, 'via', r.via, ...(r.dev ? ['dev', r.dev] : [])], `removing the route to ${r.dst}`));
    },
    async neighbours() {
      const ns = await json<{ dst: string; lladdr?: string; state?: string[] }[]>(['-4', 'neigh', 'show', 'dev', VXLAN_DEVICE], 'listing VXLAN neighbours').catch((err: Error) => {
        if (gone(err) || /does not exist/.test(err.message)) return [];
        throw err;
      });
      return ns.filter((n) => n.lladdr && n.state?.includes('PERMANENT')).map((n) => ({ vtep: n.dst, mac: n.lladdr! }));
    },
    async fdb() {
      const text = await run(netns, BRIDGE, ['-j', 'fdb', 'show', 'dev', VXLAN_DEVICE], 'listing VXLAN FDB entries').catch((err: Error) => {
        if (gone(err) || /does not exist/.test(err.message)) return '[]';
        throw err;
      });
      const es = JSON.parse(text || '[]') as { mac: string; dst?: string }[];
      return es.filter((e) => e.dst && e.mac !== '00:00:00:00:00:00').map((e) => ({ mac: e.mac, nodeIP: e.dst! }));
    },
    async addPeer(p) {
      await run(netns, BRIDGE, ['fdb', 'replace', p.mac, 'dev', VXLAN_DEVICE, 'dst', p.nodeIP, 'self', 'permanent'], `adding the FDB entry of ${p.nodeIP}`);
      await ip(['neigh', 'replace', p.vtep, 'lladdr', p.mac, 'dev', VXLAN_DEVICE, 'nud', 'permanent'], `adding the neighbour ${p.vtep}`);
    },
    async deleteNeighbour(vtep) {
      await tolerateGone(ip(['neigh', 'del', vtep, 'dev', VXLAN_DEVICE], `removing the neighbour ${vtep}`));
    },
    async deleteFdb(mac, nodeIP) {
      await tolerateGone(run(netns, BRIDGE, ['fdb', 'del', mac, 'dev', VXLAN_DEVICE, 'dst', nodeIP, 'self'], `removing the FDB entry of ${nodeIP}`));
    },
  };
}
