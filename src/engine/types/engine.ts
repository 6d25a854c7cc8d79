// The engine as a whole: its rooms and what `docker info` reports.
import type { ImageService } from './images.ts';
import type { ContainerService } from './containers.ts';
import type { EventService } from './events.ts';
import type { VolumeService } from './volumes.ts';
import type { NetworkService } from './network.ts';
import type { BuildService } from './build.ts';

export interface EngineInfo {
  id: string;
  name: string;
  root: string;
  containers: { total: number; running: number; paused: number; stopped: number };
  images: number;
  runtime: 'crun' | 'runc';
  runtimes: string[];
  cgroupVersion: '1' | '2';
  cgroupDriver: 'cgroupfs';
  kernelVersion: string;
  operatingSystem: string;
  ncpu: number;
  memTotal: number;
  serverVersion: string;
}

export interface Engine {
  images: ImageService;
  containers: ContainerService;
  /** what happened: every room emits here (issue 8) */
  events: EventService;
  volumes: VolumeService;
  networks: NetworkService;
  /** Dockerfile builds and their step cache (issue 9) */
  builds: BuildService;
  info(): Promise<EngineInfo>;
  /** stop watchers and close files; running containers keep running */
  close(): Promise<void>;
}
