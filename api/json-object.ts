// Reading and filling objects as untyped JSON: defaulting and semantic validation walk
// request bodies before (or without) trusting their types, so they test shapes as they go.

export type Obj = Record<string, any>;

export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Set `o[key]` unless it already holds a value (null counts as absent, as in Go's zero values). */
export function setIfAbsent(o: Obj, key: string, value: unknown): void {
  if (o[key] === undefined || o[key] === null) o[key] = value;
}
