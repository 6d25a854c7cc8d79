// HostConfig options beyond the basics (namespaces modes, devices, runtime, sysctls, logging), `docker update`
// and size/stats answers.
import type { RestartPolicy } from './containers.ts';

/** `--device /dev/fuse:/dev/fuse:rwm` */
export interface DeviceMapping {
  pathOnHost: string;
  pathInContainer: string;
  /** some of r, w, m */
  cgroupPermissions: string;
}

/** HostConfig.LogConfig: the logging driver (json-file, local, none) and its options (max-size, max-file, …). */
export interface LogConfig {
  type: string;
  config: Record<string, string>;
}

/** HostConfig fields docker's SDK sends, kept as given (inspect shows them) and honoured at start. */
export interface FidelityHostOptions {
  /** '' (own namespace) | 'host' | 'container:<id|name>' */
  pidMode?: string;
  /** '' | 'host' */
  utsMode?: string;
  /** '' | 'private' | 'shareable' | 'host' | 'none' | 'container:<id|name>' */
  ipcMode?: string;
  /** group names (looked up in the container's /etc/group) or numeric gids */
  groupAdd?: string[];
  /** e.g. '0-1', '0,2' */
  cpusetCpus?: string;
  cpusetMems?: string;
  /** `c 1:3 rwm`, `a *:* r` */
  deviceCgroupRules?: string[];
  devices?: DeviceMapping[];
  /** 'crun' | 'runc'; the daemon's default when absent */
  runtime?: string;
  sysctls?: Record<string, string>;
  /** only '' / 'default' on Linux */
  isolation?: string;
  logConfig?: LogConfig;
}

/** `docker update`: the resources (and restart policy) that change on a live container. */
export interface ContainerUpdate {
  memory?: number;
  memorySwap?: number;
  nanoCpus?: number;
  cpuShares?: number;
  cpuQuota?: number;
  cpuPeriod?: number;
  cpusetCpus?: string;
  cpusetMems?: string;
  pidsLimit?: number;
  restartPolicy?: RestartPolicy;
}

/** Disk usage of a container: bytes in its writable layer, and that plus its image's. */
export interface ContainerSize {
  sizeRw: number;
  sizeRootFs: number;
}


/** Per-interface counters of a container's network namespace (docker's stats `networks`). */
export interface InterfaceStats {
  rx_bytes: number;
  rx_packets: number;
  rx_errors: number;
  rx_dropped: number;
  tx_bytes: number;
  tx_packets: number;
  tx_errors: number;
  tx_dropped: number;
}
