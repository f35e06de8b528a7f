// The built-in resource table (api/resources.ts, made with the zod object model) as what
// typed names resolve against: for every command but get and events, which ask the server's
// discovery and so start without the object model. Apart from resource-args.ts so that get's
// bundle (scripts/build-kctl.mjs) does not carry it.
import { useCatalog } from './resource-args.js';

export async function useBuiltInCatalog(): Promise<void> {
  const { RESOURCES } = await import('../../api/resources.js');
  useCatalog(RESOURCES);
}
