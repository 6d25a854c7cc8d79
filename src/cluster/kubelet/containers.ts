// Starting and stopping one container of a pod (kuberuntime_container.go): the image, the config (env,
// command, mounts, resources, security), create + start with their events, the postStart hook; and the
// graceful stop: preStop hook, then the stop signal with what is left of the grace period, then SIGKILL.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Container, LifecycleHandler, Pod, Service } from 'kubernetes-types/core/v1.js';
import { serviceEnvVars } from './service-env.ts';
import type { ContainerConfig, ContainerStatus as CriContainerStatus, ImageService, PodSandboxConfig, RuntimeService } from '../../engine/types/runtime.ts';
import type { EventRecorder } from '../client/types.ts';
import type { KObject } from '../types/meta.ts';
import { A, L } from './labels.ts';
import { containerEnv, expandCommand, type NodeAllocatable, type SourceLookup } from './env.ts';
import { containerResources } from './resources.ts';
import { containerSecurity } from './security.ts';
import { containerMounts, type PreparedVolume } from './volumes.ts';
import { httpGet } from './probe-handlers.ts';

export interface ContainerDeps {
  runtime: RuntimeService;
  images: ImageService;
  recorder: EventRecorder;
  lookup: SourceLookup;
  node: NodeAllocatable;
  memoryCapacity: number;
  /** the Services of a namespace and default/kubernetes (for the service-link variables) */
  services(namespace: string): Service[];
}

/** a container failed to create or start: the waiting reason it shows (CreateContainerError, RunContainerError) */
export class StartError extends Error {
  readonly reason: string;
  constructor(reason: string, message: string) {
    super(message);
    this.reason = reason;
  }
}

/** the spec fields that make a running container out of date when they change (the kubelet's hash) */
export const specHash = (c: Container) => createHash('sha256').update(JSON.stringify({ image: c.image, command: c.command, args: c.args, env: c.env, envFrom: c.envFrom, ports: c.ports, volumeMounts: c.volumeMounts, workingDir: c.workingDir })).digest('hex').slice(0, 8);

export interface StartInput {
  pod: Pod;
  spec: Container;
  sandboxId: string;
  sandboxConfig: PodSandboxConfig;
  restartCount: number;
  volumes: Map<string, PreparedVolume>;
  etcHosts: string | undefined;
  /** the pod's directory on the node (termination message files live under it) */
  podDir: string;
  /** an ephemeral container's target: the runtime id of the container whose processes it sees */
  targetId?: string;
}

export async function buildContainerConfig(d: ContainerDeps, x: StartInput): Promise<{ config: ContainerConfig; skipped: string[] }> {
  const { pod, spec } = x;
  const { env, skipped } = await containerEnv(pod, spec, d.lookup, d.node, serviceEnvVars(pod, d.services(pod.metadata?.namespace ?? 'default')));
  const img = await d.images.imageStatus({ image: spec.image ?? '' });
  const security = containerSecurity(pod, spec, img?.uid, img?.username ?? '');
  if (x.targetId && security.namespaceOptions) security.namespaceOptions = { ...security.namespaceOptions, pid: 'TARGET', targetId: x.targetId };
  const grace = pod.spec?.terminationGracePeriodSeconds ?? 30;
  // the file the container may write its last words to, read back into terminated.message
  const messagePath = spec.terminationMessagePath ?? '/dev/termination-log';
  const messageFile = join(x.podDir, 'containers', spec.name, randomBytes(4).toString('hex'));
  await mkdir(dirname(messageFile), { recursive: true });
  await writeFile(messageFile, '', { mode: 0o666 });
  const config: ContainerConfig = {
    metadata: { name: spec.name, attempt: x.restartCount },
    image: { image: spec.image ?? '' },
    command: expandCommand(spec.command, env),
    args: expandCommand(spec.args, env),
    ...(spec.workingDir ? { workingDir: spec.workingDir } : {}),
    envs: env.map((e) => ({ key: e.name, value: e.value })),
    mounts: [...containerMounts(spec, x.volumes, x.etcHosts), { containerPath: messagePath, hostPath: messageFile, readonly: false }],
    labels: { [L.podName]: pod.metadata?.name ?? '', [L.podNamespace]: pod.metadata?.namespace ?? '', [L.podUid]: pod.metadata?.uid ?? '', [L.containerName]: spec.name },
    annotations: {
      [A.hash]: specHash(spec),
      [A.restartCount]: String(x.restartCount),
      [A.terminationGrace]: String(grace),
      [A.terminationMessagePath]: messagePath,
      ...(spec.terminationMessagePolicy === 'FallbackToLogsOnError' ? { [A.terminationMessagePolicy]: 'FallbackToLogsOnError' } : {}),
      ...(spec.lifecycle?.preStop ? { [A.preStop]: JSON.stringify(spec.lifecycle.preStop) } : {}),
    },
    logPath: `${spec.name}/${x.restartCount}.log`,
    stdin: !!spec.stdin,
    stdinOnce: !!spec.stdinOnce,
    tty: !!spec.tty,
    linux: { resources: containerResources(pod, spec, d.memoryCapacity), securityContext: security },
  };
  return { config, skipped };
}

/** creates and starts the container (image already present); throws ContainerConfigError or StartError */
export async function startContainer(d: ContainerDeps, x: StartInput, podIP: string): Promise<string> {
  const ev = (type: 'Normal' | 'Warning', reason: string, msg: string) => d.recorder.event(x.pod as KObject, type, reason, msg);
  const { config, skipped } = await buildContainerConfig(d, x);
  if (skipped.length) ev('Warning', 'InvalidEnvironmentVariableNames', `Keys [${skipped.join(', ')}] from the EnvFrom configMap ${x.pod.metadata?.namespace}/ were skipped since they are considered invalid environment variable names.`);
  let id: string;
  try {
    id = await d.runtime.createContainer(x.sandboxId, config, x.sandboxConfig);
  } catch (err) {
    ev('Warning', 'Failed', `Error: ${(err as Error).message}`);
    throw new StartError('CreateContainerError', (err as Error).message);
  }
  ev('Normal', 'Created', `Created container ${x.spec.name}`);
  try {
    await d.runtime.startContainer(id);
  } catch (err) {
    const msg = (err as Error).message;
    ev('Warning', 'Failed', `Error: ${msg}`);
    throw new StartError('RunContainerError', msg);
  }
  ev('Normal', 'Started', `Started container ${x.spec.name}`);
  const post = x.spec.lifecycle?.postStart;
  if (post) {
    const err = await runHook(d.runtime, post, x.spec, id, podIP, x.pod.spec?.terminationGracePeriodSeconds ?? 30);
    if (err) {
      ev('Warning', 'FailedPostStartHook', `PostStartHook failed: ${err}`);
      await d.runtime.stopContainer(id, 0).catch(() => {}); // already failing: the restart policy takes it from here
    }
  }
  return id;
}

/** runs a lifecycle hook; returns an error message, or undefined when it succeeded */
export async function runHook(runtime: RuntimeService, h: LifecycleHandler, spec: Container, id: string, podIP: string, timeoutSec: number): Promise<string | undefined> {
  try {
    if (h.exec) {
      const r = await runtime.execSync(id, h.exec.command ?? [], timeoutSec);
      return r.exitCode === 0 ? undefined : `command '${(h.exec.command ?? []).join(' ')}' exited with ${r.exitCode}: ${Buffer.concat([r.stdout, r.stderr]).toString('utf8')}`;
    }
    if (h.httpGet) {
      const r = await httpGet(h.httpGet, podIP, spec, timeoutSec * 1000);
      return r.ok ? undefined : r.output;
    }
    if (h.sleep) await new Promise((ok) => setTimeout(ok, h.sleep!.seconds * 1000));
  } catch (err) {
    return (err as Error).message;
  }
  return undefined;
}

/**
 * Stops a running container: preStop (from the spec, or from the container's annotation after a kubelet
 * restart) within the grace period, then the stop signal with what is left, then SIGKILL.
 */
export async function killContainer(d: ContainerDeps, pod: Pod, c: CriContainerStatus, graceSec: number, why: string, podIP: string): Promise<void> {
  const name = c.metadata.name;
  d.recorder.event(pod as KObject, 'Normal', 'Killing', why || `Stopping container ${name}`);
  const spec = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? []), ...(pod.spec?.ephemeralContainers ?? [])].find((x) => x.name === name) as Container | undefined ?? { name };
  const pre: LifecycleHandler | undefined = spec.lifecycle?.preStop ?? (c.annotations[A.preStop] ? JSON.parse(c.annotations[A.preStop]) as LifecycleHandler : undefined);
  const t0 = Date.now();
  if (pre && c.state === 'CONTAINER_RUNNING' && graceSec > 0) {
    const err = await runHook(d.runtime, pre, spec, c.id, podIP, graceSec);
    if (err) d.recorder.event(pod as KObject, 'Warning', 'FailedPreStopHook', `PreStopHook failed: ${err}`);
  }
  const left = Math.max(2, graceSec - Math.floor((Date.now() - t0) / 1000));
  await d.runtime.stopContainer(c.id, graceSec === 0 ? 0 : left);
}
