// The commands of get's bundle (command-word.ts GET_BUNDLE_COMMANDS), shared by both kctl entries.
import type { Loader } from './main.js';

export const GET_COMMANDS: Record<string, Loader> = {
  get: async () => (await import('./get.js')).get,
  events: async () => (await import('./get.js')).events,
};
