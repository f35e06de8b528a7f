// Query parameters, read exactly as kube-apiserver's parameter codec converts them
// (k8s.io/apimachinery/pkg/runtime/conversion.go), for every verb and subresource:
//   - a parameter given several times counts by its FIRST value (`?limit=1&limit=2` is 1);
//   - booleans (`watch`, `allowWatchBookmarks`, `sendInitialEvents`, `force`, `follow`,
//     `previous`, `timestamps`, `orphanDependents`, …): absent, `0` or `false` in any case is
//     false, ANY other value — `true`, `True`, `1`, `t`, even empty — is true. (Not Go's
//     strconv.ParseBool: the codec never rejects a boolean; the Python client's `watch=True`
//     is a watch.)
//   - integers (`limit`, `timeoutSeconds`, `gracePeriodSeconds`, `tailLines`, `limitBytes`,
//     `sinceSeconds`): strconv.ParseInt(v, 10, 64); anything else is a 400 BadRequest with
//     Go's own message, e.g. `strconv.ParseInt: parsing "ten": invalid syntax`.
import { badRequest } from '../api/errors.js';

/** A request's query as node's querystring parses it: each value a string, or several. */
export type Query = Record<string, unknown>;

/** The parameter's first value; undefined when absent. */
export function queryString(query: Query, name: string): string | undefined {
  let v = query[name];
  if (Array.isArray(v)) v = v[0];
  return v === undefined || v === null ? undefined : String(v);
}

/** Convert_Slice_string_To_bool: false only when absent, `0` or (any case) `false`. */
export function queryBool(query: Query, name: string): boolean {
  const v = queryString(query, name);
  if (v === undefined) return false;
  return !(v === '0' || v.toLowerCase() === 'false');
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** strconv.ParseInt(v, 10, 64); undefined when absent; 400 with Go's message when not an int64. */
export function queryInt(query: Query, name: string): number | undefined {
  const v = queryString(query, name);
  if (v === undefined) return undefined;
  if (!/^[+-]?[0-9]+$/.test(v)) throw badRequest(`strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
  const n = BigInt(v);
  if (n < INT64_MIN || n > INT64_MAX) throw badRequest(`strconv.ParseInt: parsing ${JSON.stringify(v)}: value out of range`);
  return Number(n);
}

/** All values of a repeated parameter (`command`, `dryRun`), in order. */
export function queryList(query: Query, name: string): string[] {
  const v = query[name];
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v.map(String) : [String(v)];
}
