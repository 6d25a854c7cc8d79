// Network routes: list, inspect, create, remove, prune, connect, disconnect (docker's shapes).
import type { HttpContext, Route } from './router.ts';
import type { EndpointRequest, NetworkCreateRequest } from '../types.ts';
import { invalidArgument } from '../../lib/errors.ts';
import { nonEmptyMap, nonEmptyString, optObject, optString, optStringMap, type Json } from './json-fields.ts';
import { readJson, sendEmpty, sendJson, queryFilters } from './http.ts';


const asObject = (v: unknown, field: string): Json => optObject(v, field) ?? {};
const str = (v: unknown, field: string): string | undefined => nonEmptyString(optString(v, field));
const strMap = (v: unknown, field: string): Record<string, string> | undefined => nonEmptyMap(optStringMap(v, field));

/** docker's create body: IPAM.Config holds at most one IPv4 pool here. */
export function networkCreateFromDocker(body: unknown): NetworkCreateRequest {
  const b = asObject(body, 'body');
  const name = str(b.Name, 'Name');
  if (!name) throw invalidArgument('network name is required');
  const ipam = asObject(b.IPAM, 'IPAM');
  const configs = Array.isArray(ipam.Config) ? ipam.Config.map((c, i) => asObject(c, `IPAM.Config[${i}]`)) : [];
  const v4 = configs.filter((c) => !String(c.Subnet ?? '').includes(':'));
  if (configs.length > v4.length) throw invalidArgument('IPv6 networks are not supported by skiff yet');
  if (v4.length > 1) throw invalidArgument('only one IPv4 subnet per network is supported');
  const c = v4[0] ?? {};
  return {
    name,
    driver: str(b.Driver, 'Driver'),
    subnet: str(c.Subnet, 'Subnet'),
    gateway: str(c.Gateway, 'Gateway'),
    ipRange: str(c.IPRange, 'IPRange'),
    internal: b.Internal === true,
    attachable: b.Attachable === true,
    enableIPv6: b.EnableIPv6 === true,
    labels: strMap(b.Labels, 'Labels'),
    options: strMap(b.Options, 'Options'),
  };
}

async function list(ctx: HttpContext): Promise<void> {
  sendJson(ctx.res, 200, await ctx.engine.networks.list(queryFilters(ctx.query) ?? {}));
}

async function inspect(ctx: HttpContext): Promise<void> {
  sendJson(ctx.res, 200, await ctx.engine.networks.inspect(ctx.params.id));
}

async function create(ctx: HttpContext): Promise<void> {
  const req = networkCreateFromDocker(await readJson(ctx.req, ctx.signal));
  sendJson(ctx.res, 201, await ctx.engine.networks.create(req));
}

async function remove(ctx: HttpContext): Promise<void> {
  await ctx.engine.networks.remove(ctx.params.id);
  sendEmpty(ctx.res, 204);
}

async function prune(ctx: HttpContext): Promise<void> {
  sendJson(ctx.res, 200, await ctx.engine.networks.prune(queryFilters(ctx.query) ?? {}));
}

async function connect(ctx: HttpContext): Promise<void> {
  const b = asObject(await readJson(ctx.req, ctx.signal), 'body');
  const container = str(b.Container, 'Container');
  if (!container) throw invalidArgument('Container is required');
  const ec = asObject(b.EndpointConfig, 'EndpointConfig');
  const ipam = asObject(ec.IPAMConfig, 'IPAMConfig');
  const req: EndpointRequest = {};
  if (Array.isArray(ec.Aliases) && ec.Aliases.length) req.aliases = ec.Aliases.map(String);
  const ip = str(ipam.IPv4Address, 'IPv4Address');
  if (ip) req.ipv4Address = ip;
  const mac = str(ec.MacAddress, 'MacAddress');
  if (mac) req.macAddress = mac;
  if (typeof ec.GwPriority === 'number' && Number.isInteger(ec.GwPriority) && ec.GwPriority !== 0) req.gwPriority = ec.GwPriority;
  await ctx.engine.networks.connect(ctx.params.id, container, req);
  sendEmpty(ctx.res, 200);
}

async function disconnect(ctx: HttpContext): Promise<void> {
  const b = asObject(await readJson(ctx.req, ctx.signal), 'body');
  const container = str(b.Container, 'Container');
  if (!container) throw invalidArgument('Container is required');
  await ctx.engine.networks.disconnect(ctx.params.id, container, b.Force === true);
  sendEmpty(ctx.res, 200);
}

export const networkRoutes: Route[] = [
  { method: 'GET', path: '/networks', handle: list },
  { method: 'POST', path: '/networks/create', handle: create },
  { method: 'POST', path: '/networks/prune', handle: prune },
  { method: 'GET', path: '/networks/:id', handle: inspect },
  { method: 'DELETE', path: '/networks/:id', handle: remove },
  { method: 'POST', path: '/networks/:id/connect', handle: connect },
  { method: 'POST', path: '/networks/:id/disconnect', handle: disconnect },
];
