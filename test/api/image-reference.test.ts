// The image reference grammar (distribution/reference) shared by the API server's validation
// and the kubelet's image service: what it accepts, normalises, and why it refuses.
import { describe, expect, it } from 'vitest';
import { imageReferenceProblem, parseReference } from '../../api/image-reference.js';
import { validatePodSpec } from '../../api/core/pod-validation.js';

const HEX = 'a'.repeat(64);

describe('image references', () => {
  it('accepts what Docker accepts', () => {
    for (const ok of ['busybox', 'host', 'nginx:1.27', 'img:A', 'team/api:1.4', 'localhost:5000/demo:1', '127.0.0.1:5000/a/b', 'registry.example.com/team/api@sha256:' + HEX, `redis:7-alpine@sha256:${HEX}`, '[::1]:5000/x:y', 'a__b/c--d.e:v_1.2-3'])
      expect(imageReferenceProblem(ok), ok).toBeUndefined();
  });
  it('normalises with Docker defaults', () => {
    expect(parseReference('redis').canonical).toBe('docker.io/library/redis:latest');
    expect(parseReference('localhost:5000/demo:1')).toMatchObject({ registry: 'localhost:5000', repository: 'demo', tag: '1' });
  });
  it('says what is wrong', () => {
    expect(imageReferenceProblem('Busybox')).toBe('repository component "Busybox" must be lowercase letters, digits and separators');
    expect(imageReferenceProblem('busybox:ba!d')).toBe('tag "ba!d" is not valid');
    expect(imageReferenceProblem('busybox:bad/tag')).toBe('registry "busybox:bad" is not a host[:port]');
    expect(imageReferenceProblem('busybox:-x')).toBe('tag "-x" is not valid');
    expect(imageReferenceProblem('busybox@sha256:abc')).toBe('digest "sha256:abc" is not sha256:<64 lowercase hex>');
    expect(imageReferenceProblem(`busybox@sha256:${HEX}0`)).toMatch(/^digest/);
    expect(imageReferenceProblem('busy box')).toMatch(/repository component "busy box"/);
    expect(imageReferenceProblem('')).toBe('empty');
    expect(imageReferenceProblem('a'.repeat(256))).toBe('repository name longer than 255 characters');
  });
});

describe('container image validation', () => {
  const spec = (image: string) => ({ containers: [{ name: 'c', image }], initContainers: [{ name: 'i', image: 'busybox' }] });
  it('is Invalid at the image field for a malformed reference', () => {
    expect(validatePodSpec(spec('Nginx:1.27'), 'spec')).toEqual([
      expect.objectContaining({ type: 'FieldValueInvalid', field: 'spec.containers[0].image', message: expect.stringContaining('must be a valid image reference (repository component "Nginx"') }),
    ]);
    expect(validatePodSpec({ containers: [{ name: 'c', image: 'ok' }], initContainers: [{ name: 'i', image: 'x@sha256:1' }] }, 'spec')).toEqual([
      expect.objectContaining({ field: 'spec.initContainers[0].image' }),
    ]);
  });
  it('keeps Kubernetes\' own messages for blank and padded images', () => {
    expect(validatePodSpec(spec(''), 'spec')).toEqual([expect.objectContaining({ type: 'FieldValueRequired', field: 'spec.containers[0].image' })]);
    expect(validatePodSpec(spec(' nginx'), 'spec')).toEqual([expect.objectContaining({ field: 'spec.containers[0].image', message: expect.stringContaining('must not have leading or trailing whitespace') })]);
    expect(validatePodSpec(spec('nginx:1.27'), 'spec')).toEqual([]);
  });
});
