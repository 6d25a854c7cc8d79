// Names and labels as Docker Compose v2 gives them, so `docker ps`, `docker compose` and skiff agree on
// what belongs to which project.
import { LABEL, type Project, type Service } from '../types.ts';

/** `<project>-<service>-<n>`, or the service's container_name */
export function containerName(project: string, service: Service, number: number): string {
  return service.containerName ?? `${project}-${service.name}-${number}`;
}

/** a one-off (`compose run`) container: `<project>-<service>-run-<12 hex>` */
export function oneoffName(project: string, service: string, id: string): string {
  return `${project}-${service}-run-${id.slice(0, 12)}`;
}

/** the image a service without `image:` is built as: `<project>-<service>` (docker compose v2) */
export function imageName(project: Project, service: Service): string {
  return service.image ?? `${project.name}-${service.name}`;
}

/** `db:service_healthy:false,cache:service_started:false` (com.docker.compose.depends_on) */
export function dependsOnLabel(service: Service): string {
  return Object.entries(service.dependsOn).map(([name, d]) => `${name}:${d.condition}:${d.restart}`).join(',');
}

/** The labels of a service's container; `imageId` is the image it runs (com.docker.compose.image). */
export function containerLabels(project: Project, service: Service, o: { number: number; hash: string; imageId: string; oneoff: boolean; version: string }): Record<string, string> {
  return {
    ...service.labels,
    [LABEL.project]: project.name,
    [LABEL.service]: service.name,
    [LABEL.number]: String(o.number),
    [LABEL.oneoff]: o.oneoff ? 'True' : 'False',
    [LABEL.configHash]: o.hash,
    [LABEL.workingDir]: project.workingDir,
    [LABEL.configFiles]: project.configFiles.join(','),
    [LABEL.dependsOn]: dependsOnLabel(service),
    [LABEL.image]: o.imageId,
    [LABEL.version]: o.version,
  };
}

/** docker's label filter for the project's objects (as the list endpoints take it) */
export function projectFilter(project: string, extra: string[] = []): string {
  return JSON.stringify({ label: [`${LABEL.project}=${project}`, ...extra] });
}
