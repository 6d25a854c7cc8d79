// Fixtures shared by this room's tests: a patcher over the vendored documents and a two-container Deployment.
import { createOpenApiDocs } from '../openapi/index.ts';
import { findByKind } from '../../types/registry.ts';
import type { KObject } from '../../types/meta.ts';
import type { ResourceSpec } from '../../types/resource.ts';
import { createPatcher } from './index.ts';

export const patcher = createPatcher(createOpenApiDocs());
export const deploymentSpec = findByKind('apps', 'Deployment') as ResourceSpec;
export const podSpec = findByKind('', 'Pod') as ResourceSpec;

export const twoContainerDeployment = (): KObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default', labels: { app: 'web' }, finalizers: ['a'] },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'web' } },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: '25%' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        containers: [
          { name: 'web', image: 'nginx:1', imagePullPolicy: 'IfNotPresent', ports: [{ containerPort: 80, protocol: 'TCP' }], env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] },
          { name: 'side', image: 'busybox:1', imagePullPolicy: 'IfNotPresent' },
        ],
      },
    },
  },
});

/** spec.template.spec of a Deployment-shaped object */
export const podSpecOf = (o: KObject) => ((o.spec as { template: { spec: { containers: Array<Record<string, unknown>> } & Record<string, unknown> } }).template.spec);
