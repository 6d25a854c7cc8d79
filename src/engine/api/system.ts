// /_ping, /version, /info: what the docker CLI asks before (and around) everything else.
import { arch, machine, release } from 'node:os';
import type { HttpContext, Route } from './router.ts';
import { API_VERSION, MIN_API_VERSION } from './router.ts';
import { sendJson } from './http.ts';

import { dockerArch } from '../../lib/platform.ts';
export { dockerArch };

async function ping(ctx: HttpContext): Promise<void> {
  ctx.res.writeHead(200, {
    'API-Version': API_VERSION,
    'Builder-Version': '1',
    'Docker-Experimental': 'false',
    Ostype: 'linux',
    Swarm: 'inactive',
    Server: `skiff/${ctx.serverVersion}`,
    'Cache-Control': 'no-cache, no-store, must-revalidate',
    Pragma: 'no-cache',
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': ctx.req.method === 'HEAD' ? '0' : '2',
  });
  ctx.res.end(ctx.req.method === 'HEAD' ? undefined : 'OK');
}

async function version(ctx: HttpContext): Promise<void> {
  const common = {
    Version: ctx.serverVersion,
    ApiVersion: API_VERSION,
    MinAPIVersion: MIN_API_VERSION,
    GitCommit: '',
    GoVersion: `node ${process.version}`,
    Os: 'linux',
    Arch: dockerArch(),
    KernelVersion: release(),
    BuildTime: '',
  };
  sendJson(ctx.res, 200, {
    Platform: { Name: 'skiff' },
    Components: [
      {
        Name: 'Engine',
        Version: ctx.serverVersion,
        Details: { ApiVersion: API_VERSION, Arch: common.Arch, BuildTime: '', Experimental: 'false', GitCommit: '', GoVersion: common.GoVersion, KernelVersion: common.KernelVersion, MinAPIVersion: MIN_API_VERSION, Os: 'linux' },
      },
    ],
    ...common,
  });
}

async function info(ctx: HttpContext): Promise<void> {
  const i = await ctx.engine.info();
  sendJson(ctx.res, 200, {
    ID: i.id,
    Containers: i.containers.total,
    ContainersRunning: i.containers.running,
    ContainersPaused: i.containers.paused,
    ContainersStopped: i.containers.stopped,
    Images: i.images,
    Driver: 'overlay2',
    DriverStatus: [['Backing Filesystem', 'extfs'], ['Supports d_type', 'true']],
    Plugins: { Volume: ['local'], Network: ['host', 'null'], Authorization: null, Log: ['json-file', 'local'] },
    MemoryLimit: true,
    SwapLimit: true,
    CpuCfsPeriod: true,
    CpuCfsQuota: true,
    CPUShares: true,
    CPUSet: true,
    PidsLimit: true,
    IPv4Forwarding: true,
    Debug: process.env.SKIFF_LOG === 'debug',
    NFd: 0,
    OomKillDisable: false,
    NGoroutines: 0,
    SystemTime: new Date().toISOString(),
    LoggingDriver: 'json-file',
    CgroupDriver: i.cgroupDriver,
    CgroupVersion: i.cgroupVersion,
    NEventsListener: ctx.engine.events.listeners(),
    KernelVersion: i.kernelVersion,
    OperatingSystem: i.operatingSystem,
    OSVersion: '',
    OSType: 'linux',
    Architecture: machine(),
    IndexServerAddress: 'https://index.docker.io/v1/',
    RegistryConfig: { IndexConfigs: {}, InsecureRegistryCIDRs: [], Mirrors: [] },
    NCPU: i.ncpu,
    MemTotal: i.memTotal,
    GenericResources: null,
    DockerRootDir: i.root,
    HttpProxy: '',
    HttpsProxy: '',
    NoProxy: '',
    Name: i.name,
    Labels: [],
    ExperimentalBuild: false,
    ServerVersion: i.serverVersion,
    Runtimes: Object.fromEntries(i.runtimes.map((r) => [r, { path: r }])),
    DefaultRuntime: i.runtime,
    Swarm: { NodeID: '', NodeAddr: '', LocalNodeState: 'inactive', ControlAvailable: false, Error: '', RemoteManagers: null },
    LiveRestoreEnabled: true, // containers run under conmon and outlive the daemon
    Isolation: '',
    InitBinary: '',
    ContainerdCommit: { ID: '' },
    RuncCommit: { ID: '' },
    InitCommit: { ID: '' },
    SecurityOptions: ['name=seccomp,profile=builtin'],
    Warnings: [],
  });
}

export const systemRoutes: Route[] = [
  { method: 'GET', path: '/_ping', handle: ping },
  { method: 'HEAD', path: '/_ping', handle: ping },
  { method: 'GET', path: '/version', handle: version },
  { method: 'GET', path: '/info', handle: info },
];
