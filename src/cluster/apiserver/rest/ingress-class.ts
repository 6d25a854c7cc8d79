// kube-apiserver's DefaultIngressClass admission: an Ingress created without spec.ingressClassName (nor the
// legacy kubernetes.io/ingress.class annotation) gets the IngressClass marked
// ingressclass.kubernetes.io/is-default-class=true (the newest when several are), as Kubernetes 1.30+ does.
import type { KObject } from '../../types/meta.ts';
import type { ResourceSpec } from '../../types/resource.ts';
import type { RestContext } from './context.ts';
import { decode, listPrefixOf } from './keys.ts';

const defaultAnnotation = 'ingressclass.kubernetes.io/is-default-class';

export async function defaultIngressClass(ctx: RestContext, spec: ResourceSpec, obj: KObject): Promise<void> {
  if (spec.group !== 'networking.k8s.io' || spec.kind !== 'Ingress') return;
  const s = (obj.spec ??= {}) as { ingressClassName?: string };
  if (s.ingressClassName || obj.metadata?.annotations?.['kubernetes.io/ingress.class']) return;
  const classSpec = ctx.specByKind('networking.k8s.io', 'IngressClass');
  if (!classSpec) return;
  const { items } = await ctx.store.list(listPrefixOf(classSpec, undefined));
  const defaults = items.map(decode).filter((c) => c.metadata?.annotations?.[defaultAnnotation] === 'true')
    .sort((a, b) => (b.metadata?.creationTimestamp ?? '').localeCompare(a.metadata?.creationTimestamp ?? ''));
  if (defaults[0]?.metadata?.name) s.ingressClassName = defaults[0].metadata.name;
}
