// Small pieces the views share: a usage bar, an error line, links into the dashboard's routes.
import type { ComponentChildren } from 'preact';
import { useContext, useState } from 'preact/hooks';
import { ApiError } from '../api.js';
import { LiveContext } from '../live-hooks.js';

export function Bar(props: { label: string; value: number; max: number; text: string; parts?: { value: number; className: string; title: string }[] }) {
  const pct = (v: number) => `${props.max > 0 ? Math.min(100, (100 * v) / props.max) : 0}%`;
  const parts = props.parts ?? [{ value: props.value, className: 'used', title: props.text }];
  return (
    <div class="bar" role="meter" aria-label={props.label} aria-valuemin={0} aria-valuemax={props.max} aria-valuenow={props.value} aria-valuetext={props.text}>
      {parts.map((p) => <span class={p.className} title={p.title} style={{ width: pct(p.value) }} />)}
      <span class="bar-text">{props.text}</span>
    </div>
  );
}

export function ErrorLine(props: { error: unknown }) {
  if (!props.error) return null;
  const e = props.error as Error;
  return <p class="error" role="alert">{e instanceof ApiError ? e.message : String(e.message ?? e)}</p>;
}

export function Loading(props: { what: string }) {
  return <p class="muted">Loading {props.what}…</p>;
}

export function Section(props: { title: string; children: ComponentChildren }) {
  return (
    <section>
      <h2>{props.title}</h2>
      {props.children}
    </section>
  );
}

/** The API path of an object: core kinds under /api/v1, others under /apis/GROUP/VERSION. */
export function objectPath(apiVersion: string, plural: string, namespace: string | undefined, name?: string): string {
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  return `${base}${namespace ? `/namespaces/${encodeURIComponent(namespace)}` : ''}/${plural}${name ? `/${encodeURIComponent(name)}` : ''}`;
}

export function YamlLink(props: { path: string; children?: ComponentChildren }) {
  return <a href={`#/yaml?path=${encodeURIComponent(props.path)}`}>{props.children ?? 'YAML'}</a>;
}

/** Runs an API action, keeping its error for display; returns [run, busy, error]. */
export function useAction(): [(fn: () => Promise<unknown>) => Promise<void>, boolean, unknown] {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const run = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setError(undefined);
    try {
      await fn();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return [run, busy, error];
}

export function useApi() {
  return useContext(LiveContext)!.api;
}
