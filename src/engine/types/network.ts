// Networks, endpoints, published ports, and the seam the containers room calls at create, start and exit.
import type { ContainerId, ContainerRecord, ContainerSpec } from './containers.ts';
import type { ImageRecord } from './images.ts';

/** What a container asks of one network (docker's EndpointSettings at create/connect). */
export interface EndpointRequest {
  aliases?: string[];
  ipv4Address?: string;
  macAddress?: string;
  /** docker 28's gw-priority: the network with the highest gives the default route (ties: the network mode's) */
  gwPriority?: number;
}

export interface PortBinding {
  containerPort: number;
  protocol: 'tcp' | 'udp';
  /** '' = every address */
  hostIp: string;
  /** 0 = a free one from 32768–60999 */
  hostPort: number;
  /** `-p 8000-8010:80`: the first free one of hostPort–hostPortEnd */
  hostPortEnd?: number;
}

export interface ContainerLink {
  /** the linked container's name or id */
  container: string;
  alias: string;
}

export interface NetworkIpamConfig {
  Subnet: string;
  Gateway: string;
  IPRange?: string;
}

/** A network as docker reports it (`docker network inspect`, without Containers). */
export interface NetworkRecord {
  Name: string;
  /** 64 hex */
  Id: string;
  Created: string;
  Scope: 'local';
  Driver: 'bridge' | 'host' | 'null';
  EnableIPv4: true;
  EnableIPv6: false;
  IPAM: { Driver: 'default'; Options: Record<string, string> | null; Config: NetworkIpamConfig[] };
  Internal: boolean;
  Attachable: boolean;
  Ingress: false;
  ConfigFrom: { Network: string };
  ConfigOnly: false;
  Options: Record<string, string>;
  Labels: Record<string, string>;
}

/** One container's attachment to one network, as it is now. */
export interface Endpoint {
  containerId: ContainerId;
  networkId: string;
  networkName: string;
  endpointId: string;
  /** eth0, eth1, … inside the container */
  ifname: string;
  ipv4Address: string;
  prefixLen: number;
  gateway: string;
  macAddress: string;
  aliases: string[];
  /** names DNS answers with this endpoint's address: container name, aliases, short id */
  dnsNames: string[];
}

export interface PublishedPort {
  containerPort: number;
  protocol: 'tcp' | 'udp';
  hostIp: string;
  hostPort: number;
}

/** The live networking of a running container (none when it is not running or uses the host's). */
export interface ContainerNetworkState {
  /** /run/netns/skiff-<id>, '' for host */
  sandboxKey: string;
  endpoints: Endpoint[];
  ports: PublishedPort[];
}

export interface NetworkCreateRequest {
  name: string;
  /** bridge (default); host and null networks exist once, made by the engine */
  driver?: string;
  subnet?: string;
  gateway?: string;
  ipRange?: string;
  internal?: boolean;
  attachable?: boolean;
  labels?: Record<string, string>;
  options?: Record<string, string>;
  enableIPv6?: boolean;
}

export interface NetworkInspect extends NetworkRecord {
  Containers: Record<string, { Name: string; EndpointID: string; MacAddress: string; IPv4Address: string; IPv6Address: string }>;
}

export interface NetworkService {
  /** docker's filters: name, id, label, driver, type (custom|builtin), dangling */
  list(filters?: Record<string, string[]>): Promise<NetworkRecord[]>;
  /** by full id, unique id prefix or name; NotFound otherwise */
  inspect(idOrName: string): Promise<NetworkInspect>;
  create(req: NetworkCreateRequest): Promise<{ Id: string; Warning: string }>;
  /** refused for the predefined networks and while containers are attached */
  remove(idOrName: string): Promise<void>;
  prune(filters?: Record<string, string[]>): Promise<{ NetworksDeleted: string[] }>;
  /** recorded in the container's spec (a restart re-attaches); a running container is attached at once */
  connect(idOrName: string, container: string, endpoint: EndpointRequest): Promise<void>;
  disconnect(idOrName: string, container: string, force: boolean): Promise<void>;
  /** a running container's live networking */
  containerState(containerId: ContainerId): ContainerNetworkState | undefined;
}

/** Paths of the files bind-mounted over the container's /etc. */
export interface EtcFilePaths {
  hostname: string;
  hosts: string;
  resolvConf: string;
}

/**
 * What the containers room asks of the network room: checks at create, the sandbox at start (the OCI
 * spec joins `netnsPath`; null = the host's namespace), and its teardown when the process exits or the
 * container goes. tearDown is idempotent.
 */
export interface ContainerNetworking {
  checkSpec(spec: ContainerSpec, image: ImageRecord): Promise<ContainerSpec>;
  setUp(rec: ContainerRecord, files: EtcFilePaths): Promise<{ netnsPath: string | null }>;
  tearDown(rec: ContainerRecord): Promise<void>;
  /** the container's DNS name follows a rename */
  renamed(rec: ContainerRecord, oldName: string): Promise<void>;
  /** a running container's endpoints and published ports (ps filters publish/expose/network) */
  state(id: string): ContainerNetworkState | undefined;
}
