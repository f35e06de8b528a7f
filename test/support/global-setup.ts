// vitest globalSetup: the run's test PKI (test/support/tls.ts), made once before any test
// file runs and removed after the last.
import fs from 'node:fs';
import type { TestProject } from 'vitest/node';
import { makeTestPki } from './tls.js';

declare module 'vitest' {
  export interface ProvidedContext {
    skiffTestPki: string;
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  const dir = await makeTestPki();
  project.provide('skiffTestPki', dir);
  return () => fs.rmSync(dir, { recursive: true, force: true });
}
