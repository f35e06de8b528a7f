// Any object as YAML, read with a GET of its path (managedFields left out, as kubectl does).
import { dump } from 'js-yaml';
import { useEffect, useState } from 'preact/hooks';
import { ErrorLine, Loading, Section, useApi } from './common.js';
import { editHref } from './edit.js';

export function YamlView(props: { path: string }) {
  const api = useApi();
  const [text, setText] = useState<string | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const ac = new AbortController();
    setError(undefined);
    if (!/^\/apis?\//.test(props.path)) {
      setError(new Error(`not an API path: ${props.path}`));
      return;
    }
    api.get(props.path, ac.signal).then((o) => {
      if (o?.metadata) delete o.metadata.managedFields;
      setText(dump(o, { noRefs: true, lineWidth: -1 }));
    }, (e: unknown) => { if (!ac.signal.aborted) setError(e); });
    return () => ac.abort();
  }, [props.path, tick]);
  return (
    <Section title={props.path}>
      <button type="button" onClick={() => setTick((t) => t + 1)}>Reload</button> <a href={editHref(props.path)}>Edit</a>
      <ErrorLine error={error} />
      {text === undefined && !error ? <Loading what="the object" /> : <pre class="yaml" tabIndex={0}>{text}</pre>}
    </Section>
  );
}
