import { describe, expect, it } from 'vitest';
import { invalid, notFound, staleConflict } from '../../api/errors.js';
import { formatError, isConflict, isNotFound, UsageError } from '../../cli/kctl/errors.js';

describe('formatError', () => {
  it('prints server errors as kubectl does', () => {
    expect(formatError(notFound('deployments.apps', 'web'))).toBe('Error from server (NotFound): deployments.apps "web" not found');
    expect(formatError(staleConflict('deployments.apps', 'web'))).toBe(
      'Error from server (Conflict): Operation cannot be fulfilled on deployments.apps "web": the object has been modified; please apply your changes to the latest version and try again',
    );
  });
  it('adds the file context for -f operations', () => {
    expect(formatError(notFound('namespaces', 'shop'), undefined, 'error when creating "app.yaml"')).toBe(
      'Error from server (NotFound): error when creating "app.yaml": namespaces "shop" not found',
    );
  });
  it('prints Invalid as "The Kind "name" is invalid"', () => {
    const e = invalid('Deployment', 'apps', 'web', [{ type: 'FieldValueInvalid', field: 'spec.replicas', message: 'Invalid value: -1: must be greater than or equal to 0' }]);
    expect(formatError(e)).toBe('The Deployment "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0');
  });
  it('says what was wrong for client-side errors', () => {
    expect(formatError(new UsageError('the server doesn\'t have a resource type "foo"'))).toBe('error: the server doesn\'t have a resource type "foo"');
  });
  it('explains a refused connection with the server address', () => {
    const e = Object.assign(new Error('GET http://127.0.0.1:6443/api: connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(formatError(e, 'http://127.0.0.1:6443')).toBe('The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?');
  });
  it('classifies', () => {
    expect(isNotFound(notFound('pods', 'x'))).toBe(true);
    expect(isConflict(staleConflict('pods', 'x'))).toBe(true);
    expect(isNotFound(new Error('x'))).toBe(false);
  });
});
