// Image references as Docker normalises them (distribution/reference's ParseNormalizedNamed):
//   redis                      → docker.io/library/redis:latest
//   team/api:1.4               → docker.io/team/api:1.4
//   host:5000/a/b:t            → host:5000/a/b:t     (a first part with "." or ":" or "localhost" is a registry)
//   name@sha256:<64 hex>       → pinned by digest (a tag beside it is kept for display only)
// Pure. Shared by the API server (a container's image must be a reference a kubelet could pull:
// api/core/pod-validation.ts) and the kubelet's image service (kubelet/images/reference.ts).

export const DOCKER_HUB = 'docker.io';
/** Where docker.io's API actually lives. */
export const DOCKER_HUB_API = 'registry-1.docker.io';

export interface ImageReference {
  /** Registry host[:port] as written (docker.io for Docker Hub). */
  registry: string;
  /** Repository path inside the registry ("library/redis"). */
  repository: string;
  tag?: string;
  digest?: string;
  /** The fully qualified form, the store's key: "docker.io/library/redis:latest", "h:5000/a@sha256:…". */
  canonical: string;
}

export class InvalidReferenceError extends Error {
  constructor(
    ref: string,
    /** What is wrong, without the reference (for a field error that shows the value itself). */
    readonly reason: string,
  ) {
    super(`invalid image reference "${ref}": ${reason}`);
    this.name = 'InvalidReferenceError';
  }
}

/** Why `ref` is not an image reference, or undefined when it is one. */
export function imageReferenceProblem(ref: string): string | undefined {
  try {
    parseReference(ref);
    return undefined;
  } catch (err) {
    if (err instanceof InvalidReferenceError) return err.reason;
    throw err;
  }
}

// distribution/reference's grammar.
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
const DOMAIN = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?$/;

export function parseReference(input: string): ImageReference {
  const ref = input.trim();
  if (!ref) throw new InvalidReferenceError(input, 'empty');
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw new InvalidReferenceError(input, `digest "${digest}" is not sha256:<64 lowercase hex>`);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw new InvalidReferenceError(input, `tag "${tag}" is not valid`);
  }
  let registry = DOCKER_HUB;
  let path = rest;
  const slash = rest.indexOf('/');
  if (slash >= 0) {
    const first = rest.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost' || first.startsWith('[')) {
      if (!DOMAIN.test(first)) throw new InvalidReferenceError(input, `registry "${first}" is not a host[:port]`);
      registry = first;
      path = rest.slice(slash + 1);
    }
  }
  if (registry === 'index.docker.io') registry = DOCKER_HUB;
  if (registry === DOCKER_HUB && !path.includes('/')) path = `library/${path}`;
  for (const c of path.split('/')) {
    if (!COMPONENT.test(c)) throw new InvalidReferenceError(input, `repository component "${c}" must be lowercase letters, digits and separators`);
  }
  if (path.length > 255) throw new InvalidReferenceError(input, 'repository name longer than 255 characters');
  if (!tag && !digest) tag = 'latest';
  const name = `${registry}/${path}`;
  const canonical = digest ? `${name}@${digest}` : `${name}:${tag}`;
  return { registry, repository: path, tag, digest, canonical };
}
