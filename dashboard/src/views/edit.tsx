// Edit any object as YAML (#/edit?path=…): a textarea with line numbers, saved with a PUT of
// the whole object (as `kubectl replace` sends it: its resourceVersion makes a change made
// meanwhile a 409 Conflict rather than a silent overwrite). Nothing is sent while the text does
// not parse — the syntax error is shown at its line; a 422's causes are shown at the lines
// their fields name; a 409 says so and offers to reload.
import { dump } from 'js-yaml';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api.js';
import { lineOfField, parseEdited } from '../model/yaml-lines.js';
import { ErrorLine, Loading, Section, YamlLink, useApi } from './common.js';

export function editHref(path: string): string {
  return `#/edit?path=${encodeURIComponent(path)}`;
}

interface Problem {
  message: string;
  /** 1-based; `exact` false when only an enclosing line was found. */
  line?: number;
  exact?: boolean;
}

function asYaml(o: any): string {
  if (o?.metadata) delete o.metadata.managedFields;
  return dump(o, { noRefs: true, lineWidth: -1 });
}

export function EditPage(props: { path: string }) {
  const api = useApi();
  const [original, setOriginal] = useState<string | undefined>(undefined);
  const [text, setText] = useState('');
  const [loadError, setLoadError] = useState<unknown>(undefined);
  const [problems, setProblems] = useState<Problem[]>([]);
  const [conflict, setConflict] = useState<string | undefined>(undefined);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [tick, setTick] = useState(0);
  const area = useRef<HTMLTextAreaElement>(null);
  const gutter = useRef<HTMLPreElement>(null);

  useEffect(() => {
    const ac = new AbortController();
    setLoadError(undefined);
    setOriginal(undefined);
    if (!/^\/apis?\//.test(props.path)) {
      setLoadError(new Error(`not an API path: ${props.path}`));
      return;
    }
    api.get(props.path, ac.signal).then((o) => {
      const y = asYaml(o);
      setOriginal(y);
      setText(y);
      setProblems([]);
      setConflict(undefined);
    }, (e: unknown) => { if (!ac.signal.aborted) setLoadError(e); });
    return () => ac.abort();
  }, [props.path, tick]);

  const save = async () => {
    setProblems([]);
    setConflict(undefined);
    setNotice(undefined);
    if (text === original) {
      setNotice('Edit cancelled, no changes made.');
      return;
    }
    const parsed = parseEdited(text);
    if (!parsed.ok) {
      setProblems([{ message: `The edited file had a syntax error: ${parsed.message}`, line: parsed.line, exact: true }]);
      return;
    }
    setBusy(true);
    try {
      const o = await api.json('PUT', `${props.path}?fieldManager=kubectl-edit`, { body: parsed.object });
      const y = asYaml(o);
      setOriginal(y);
      setText(y);
      setNotice(`${String(o.kind ?? parsed.object.kind).toLowerCase()}/${String(o.metadata?.name ?? '')} edited`);
    } catch (e) {
      if (e instanceof ApiError && e.code === 409) {
        setConflict(e.message);
      } else if (e instanceof ApiError && e.causes.length > 0) {
        setProblems([{ message: e.message }, ...e.causes.map((c): Problem => {
          const at = c.field ? lineOfField(text, c.field) : undefined;
          return { message: `${c.field ? `${c.field}: ` : ''}${c.message ?? c.reason ?? ''}`, line: at?.line, exact: at?.exact };
        })]);
      } else {
        setProblems([{ message: e instanceof Error ? e.message : String(e) }]);
      }
    } finally {
      setBusy(false);
    }
  };

  /** Puts the caret on a line and brings it into view (from a problem's button). */
  const goTo = (line: number) => {
    const ta = area.current;
    if (!ta) return;
    const lines = ta.value.split('\n');
    const start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
    ta.focus();
    ta.setSelectionRange(start, start + (lines[line - 1]?.length ?? 0));
    const lineHeight = ta.scrollHeight / Math.max(lines.length, 1);
    ta.scrollTop = Math.max(0, (line - 3) * lineHeight);
  };

  const badLines = new Set(problems.map((p) => p.line).filter((l): l is number => l !== undefined));
  const count = text.split('\n').length;
  return (
    <Section title={`Edit ${props.path}`}>
      <p><YamlLink path={props.path}>View YAML</YamlLink></p>
      <ErrorLine error={loadError} />
      {original === undefined ? (!loadError && <Loading what="the object" />) : (
        <div>
          <div class="editor">
            <pre class="gutter" ref={gutter} aria-hidden="true">
              {Array.from({ length: count }, (_, i) => <span key={i} class={badLines.has(i + 1) ? 'bad' : undefined}>{`${i + 1}\n`}</span>)}
            </pre>
            <textarea ref={area} aria-label={`YAML of ${props.path}`} spellcheck={false} wrap="off" value={text}
              onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
              onScroll={(e) => { if (gutter.current) gutter.current.scrollTop = (e.target as HTMLTextAreaElement).scrollTop; }} />
          </div>
          <p class="toolbar">
            <button type="button" disabled={busy} onClick={() => void save()}>Save</button>
            <button type="button" disabled={busy || text === original} onClick={() => { if (confirm('Discard your changes?')) setText(original); }}>Discard changes</button>
          </p>
          {notice && <p role="status" class="notice">{notice}</p>}
          {conflict && (
            <div class="error" role="alert">
              <p>Conflict: the object was changed on the server since it was loaded, so nothing was saved. {conflict}</p>
              <button type="button" onClick={() => { if (confirm('Reload the object from the server? Your changes will be lost.')) setTick((t) => t + 1); }}>Reload (discards your changes)</button>
            </div>
          )}
          {problems.length > 0 && (
            <ul class="problems error" role="alert">
              {problems.map((p, i) => (
                <li key={i} data-line={p.line}>
                  {p.line !== undefined && <button type="button" onClick={() => goTo(p.line!)}>{`${p.exact ? 'Line' : 'Near line'} ${p.line}`}</button>}
                  {' '}{p.message}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </Section>
  );
}
