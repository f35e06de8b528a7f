// Where the command word is on a kctl command line (`kctl -n shop get pods` → `get`): the first
// argument that is neither a global flag nor a global flag's value. The dispatcher and the
// launcher (which picks the bundle by it, cli/kctl-launcher.cjs) read a line through this one
// function; it imports only the global flags' table, since the launcher runs it uncached.
import { GLOBAL_OPTIONS } from './options.js';

const TAKES_VALUE = new Set(
  Object.entries(GLOBAL_OPTIONS)
    .filter(([, def]) => def.type === 'string')
    .flatMap(([name, def]) => [`--${name}`, ...(def.short ? [`-${def.short}`] : [])]),
);

/** The index of the command word in `argv` (arguments after the program), or argv.length when there is none. Pure. */
export function commandIndex(argv: readonly string[]): number {
  let i = 0;
  // `--name=value` and `-nvalue` are one argument; `--name value` and `-n value` two.
  while (i < argv.length && argv[i]!.startsWith('-')) i += TAKES_VALUE.has(argv[i]!) ? 2 : 1;
  return i;
}

/**
 * The commands bundled apart for start-up (dist/kctl/kctl-get.bundle.cjs): they resolve kinds
 * through the server's discovery and read with a small HTTP client, so they need neither the
 * REST client nor the zod object model that make up most of the full bundle.
 */
export const GET_BUNDLE_COMMANDS: readonly string[] = ['get', 'events'];
