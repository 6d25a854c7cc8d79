// Project and Service values for tests (the loader's defaults filled in), so the operations are tested
// without a compose file.
import type { Project, Service } from '../types.ts';

export function testService(name: string, o: Partial<Service> = {}): Service {
  return {
    name, pullPolicy: 'missing', environment: {}, ports: [], expose: [], volumes: [], networks: { default: { aliases: [] } },
    dependsOn: {}, labels: {}, scale: 1, profiles: [], capAdd: [], capDrop: [], extraHosts: [], dns: [], dnsSearch: [], tmpfs: [],
    resources: { ulimits: [], sysctls: {} }, raw: {}, ...o,
  };
}

export function testProject(name: string, services: Service[], o: Partial<Project> = {}): Project {
  const networks: Project['networks'] = {};
  for (const s of services) {
    for (const key of Object.keys(s.networks)) {
      networks[key] ??= { name: `${name}_${key}`, external: false, driverOpts: {}, internal: false, attachable: false, enableIpv6: false, labels: {} };
    }
  }
  return {
    name, workingDir: '/tmp', configFiles: ['/tmp/compose.yaml'], services: Object.fromEntries(services.map((s) => [s.name, s])),
    networks, volumes: {}, disabledServices: {}, environment: {}, ...o,
  };
}
