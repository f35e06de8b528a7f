// Services and the endpoints their EndpointSlices (kubernetes.io/service-name) list.
import { age } from '../model/cluster.js';
import { useLive } from '../live-hooks.js';
import { ErrorLine, Loading, Section, YamlLink, objectPath } from './common.js';

export function Services(props: { namespace: string; now: number }) {
  const ns = props.namespace || undefined;
  const services = useLive(objectPath('v1', 'services', ns));
  const slices = useLive(objectPath('discovery.k8s.io/v1', 'endpointslices', ns));
  const endpointsOf = (namespace: string, name: string) => slices.items
    .filter((s) => s.metadata.namespace === namespace && s.metadata.labels?.['kubernetes.io/service-name'] === name)
    .flatMap((s: any) => (s.endpoints ?? []).flatMap((e: any) => (e.addresses ?? []).flatMap((a: string) =>
      (s.ports?.length ? s.ports : [{}]).map((p: any) => `${a}${p.port ? `:${p.port}` : ''}${e.conditions?.ready === false ? ' (not ready)' : ''}`))));
  return (
    <Section title="Services">
      <ErrorLine error={services.error} />
      {!services.state ? <Loading what="services" /> : (
        <table class="services">
          <thead><tr><th>Namespace</th><th>Name</th><th>Type</th><th>Cluster IP</th><th>Ports</th><th>Endpoints</th><th>Age</th></tr></thead>
          <tbody>
            {services.items.map((s) => (
              <tr key={s.metadata.uid}>
                <td>{s.metadata.namespace}</td>
                <td><YamlLink path={objectPath('v1', 'services', s.metadata.namespace, s.metadata.name)}>{s.metadata.name}</YamlLink></td>
                <td>{s.spec?.type ?? 'ClusterIP'}</td>
                <td>{s.spec?.clusterIP ?? ''}</td>
                <td>{(s.spec?.ports ?? []).map((p: any) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`).join(', ')}</td>
                <td>{endpointsOf(s.metadata.namespace!, s.metadata.name).join(', ') || '—'}</td>
                <td>{age(s.metadata.creationTimestamp, props.now)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}
