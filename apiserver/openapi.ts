// Serves OpenAPI v3 as kube-apiserver does: /openapi/v3 lists one document per group-version
// under a content-hash URL, and each document (generated from the zod schemas in
// api/openapi.ts) is built once and sent with an ETag, so kubectl's disk cache is used and a
// warm `kubectl apply` does not re-download it. /openapi/v2 is deliberately absent (404):
// kubectl 1.32 needs only v3.
import { createHash } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import { notFound } from '../api/errors.js';
import { openAPIDocument, openAPIGroupVersions, parseOpenAPIGroupVersion } from '../api/openapi.js';

interface Document {
  body: string;
  hash: string;
}

function buildDocuments(): Map<string, Document> {
  const docs = new Map<string, Document>();
  for (const key of openAPIGroupVersions()) {
    const gv = parseOpenAPIGroupVersion(key)!;
    const body = JSON.stringify(openAPIDocument(gv.group, gv.version));
    docs.set(key, { body, hash: createHash('sha512').update(body).digest('hex').toUpperCase() });
  }
  return docs;
}

function sendCached(req: Request, res: Response, body: string, hash: string, immutable: boolean): void {
  const etag = `"${hash}"`;
  res.setHeader('ETag', etag);
  res.setHeader('Vary', 'Accept');
  // A hash-qualified URL never changes content, so clients may keep it; the root is revalidated.
  res.setHeader('Cache-Control', immutable ? 'public, immutable, max-age=31536000' : 'no-cache, private');
  if (req.headers['if-none-match'] === etag) {
    res.status(304).end();
    return;
  }
  res.setHeader('Content-Type', 'application/json');
  res.end(body);
}

export function openapiRouter(): Router {
  const router = Router();
  let docs: Map<string, Document> | undefined;
  const documents = () => (docs ??= buildDocuments());

  router.get('/openapi/v3', (req, res) => {
    const paths: Record<string, { serverRelativeURL: string }> = {};
    for (const [key, doc] of documents()) paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${doc.hash}` };
    const body = JSON.stringify({ paths });
    sendCached(req, res, body, createHash('sha256').update(body).digest('hex').toUpperCase(), false);
  });

  router.get(/^\/openapi\/v3\/(apis?\/.+)$/, (req, res) => {
    const key = (req.params as unknown as string[])[0]!;
    const doc = documents().get(key);
    if (!doc) {
      res.status(404).json(notFound('openapi', key).status);
      return;
    }
    sendCached(req, res, doc.body, doc.hash, req.query.hash === doc.hash);
  });

  return router;
}
