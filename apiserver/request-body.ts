// Reading and decoding request bodies: at most 3 MiB (413 beyond, like kube-apiserver's
// limit), JSON or YAML by Content-Type (none means JSON — kubectl sends none for scale
// PUTs), the few protobuf bodies kubectl's clientset sends (./protobuf.ts), patch media
// types for PATCH, 415 for anything else, 400 for malformed input.
import type { IncomingMessage } from 'node:http';
import yaml from 'js-yaml';
import { badRequest, requestEntityTooLarge, unsupportedMediaType } from '../api/errors.js';
import { PATCH_CONTENT_TYPES, type PatchType } from './registry/object-rules.js';
import { decodeProtobufBody, PROTOBUF_MEDIA_TYPE } from './protobuf.js';

export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

/** Read the whole body; 413 (without reading on) once it passes the limit. */
export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    throw requestEntityTooLarge(limit);
  }
  const chunks: Buffer[] = [];
  // A small body arrives with its headers: by the time a handler asks (after authentication
  // and authorization), the parser holds all of it. Take it as it is — no promise, no listeners.
  if (req.complete && !req.readableEnded && req.readableFlowing !== true) {
    let size = 0;
    for (let c = req.read() as Buffer | null; c !== null; c = req.read() as Buffer | null) {
      size += c.length;
      chunks.push(c);
    }
    if (size > limit) throw requestEntityTooLarge(limit);
  } else {
    await readArriving(req, limit, chunks);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

/** The body as it arrives, into `chunks`; 413 (without reading on) once it passes the limit. */
function readArriving(req: IncomingMessage, limit: number, chunks: Buffer[]): Promise<void> {
  // Plain events rather than an async iterator: fewer allocations on a path every large body takes.
  let size = 0;
  return new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        req.resume();
        reject(requestEntityTooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve();
    };
    const onError = (e: Error) => {
      cleanup();
      // The client went away mid-body: nothing was stored and nobody is left to answer.
      reject(badRequest(`error reading the request body: ${e.message}`));
    };
    const onAborted = () => onError(new Error('aborted'));
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
    };
    if (req.readableEnded) return resolve();
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}

function parseJSON(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw badRequest(`error decoding body: invalid JSON: ${(e as Error).message}`);
  }
}

function parseYAML(text: string): unknown {
  try {
    return yaml.load(text, { schema: yaml.JSON_SCHEMA });
  } catch (e) {
    throw badRequest(`error decoding body: invalid YAML: ${(e as yaml.YAMLException).reason ?? (e as Error).message}`);
  }
}

/** Decode an object body (POST/PUT): JSON, YAML, or no Content-Type (JSON). */
export function decodeObjectBody(contentType: string, raw: Buffer): unknown {
  if (contentType === PROTOBUF_MEDIA_TYPE) return decodeProtobufBody(raw);
  const text = raw.toString('utf8');
  if (text.trim() === '') throw badRequest('the request body is empty; expected an object');
  switch (contentType) {
    case '':
    case 'application/json':
    case '*/*':
      return parseJSON(text);
    case 'application/yaml':
    case 'application/x-yaml':
    case 'text/yaml':
      return parseYAML(text);
    default:
      throw unsupportedMediaType(contentType);
  }
}

/** Decode a PATCH body; the Content-Type names the patch type. */
export function decodePatchBody(contentType: string, raw: Buffer): { type: PatchType; patch: unknown } {
  const type = PATCH_CONTENT_TYPES[contentType];
  if (!type) throw unsupportedMediaType(contentType);
  const text = raw.toString('utf8');
  if (text.trim() === '') throw badRequest('the patch body is empty');
  return { type, patch: type === 'apply' ? parseYAML(text) : parseJSON(text) };
}

/** Optional DELETE body (DeleteOptions); an empty one is fine. */
export function decodeOptionalBody(contentType: string, raw: Buffer): unknown {
  if (raw.length === 0 || (contentType !== PROTOBUF_MEDIA_TYPE && raw.toString('utf8').trim() === '')) return undefined;
  return decodeObjectBody(contentType, raw);
}
