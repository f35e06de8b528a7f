// `kctl completion bash|zsh` prints a shell script that completes kctl command lines by
// asking kctl itself: the script calls the hidden `kctl __complete -- WORDS…` (as kubectl's
// cobra scripts call `kubectl __complete`), which answers one candidate per line: commands,
// subcommands, flags, resource types, and the names of objects on the server (pods for logs
// and exec, nodes for drain, namespaces after -n). What is typed so far narrows the list.
import type { Command } from './command.js';
import { UsageError } from './errors.js';
import { GLOBAL_OPTIONS, parseFlags, type OptionDefs } from './flags.js';

/** What the completer can ask: object names of a resource type, and a command's options. */
export interface CompletionSource {
  commands: string[];
  optionsOf(command: string): Promise<OptionDefs | undefined>;
  resourceTypes(): Promise<string[]>;
  /** Names of objects of `type` (namespaced by the words' -n), or [] when the server cannot be asked. */
  names(type: string): Promise<string[]>;
}

const SUBCOMMANDS: Record<string, string[]> = {
  rollout: ['history', 'pause', 'restart', 'resume', 'status', 'undo'],
  set: ['env', 'image', 'resources', 'selector'],
  create: ['configmap', 'deployment', 'job', 'namespace', 'secret', 'service'],
  config: ['current-context', 'get-contexts', 'set-context', 'use-context', 'view'],
  top: ['node', 'pod'],
  auth: ['can-i', 'whoami'],
  completion: ['bash', 'zsh'],
  compose: ['convert', 'down', 'up'],
};
/** Commands whose first argument is a resource type and the next ones names of that type. */
const TYPE_THEN_NAMES = new Set(['get', 'describe', 'delete', 'edit', 'label', 'annotate', 'patch', 'scale', 'wait', 'autoscale', 'expose', 'explain']);
/** Commands (after their subcommand) taking TYPE NAME too. */
const SUB_TYPE_THEN_NAMES = new Set(['rollout', 'set']);
const POD_NAMES = new Set(['logs', 'exec', 'attach', 'port-forward', 'cp']);
const NODE_NAMES = new Set(['cordon', 'uncordon', 'drain']);
const OUTPUT_FORMATS = ['json', 'jsonpath=', 'name', 'wide', 'yaml'];

/** Flags that take a value (the next word is not a positional). */
function valueFlags(opts: OptionDefs): Set<string> {
  const s = new Set<string>();
  for (const [name, def] of Object.entries({ ...GLOBAL_OPTIONS, ...opts })) {
    if (def.type !== 'string') continue;
    s.add(`--${name}`);
    if (def.short) s.add(`-${def.short}`);
  }
  return s;
}

/**
 * Candidates for the last word of `words` (the line after `kctl`, the word being typed last,
 * possibly ''). Pure apart from what `src` is asked.
 */
export async function complete(words: string[], src: CompletionSource): Promise<string[]> {
  const cur = words[words.length - 1] ?? '';
  const before = words.slice(0, -1);
  const prev = before[before.length - 1];
  const command = before.find((w) => !w.startsWith('-') && !valueFlags({}).has(before[before.indexOf(w) - 1] ?? ''));
  const opts = command ? (await src.optionsOf(command)) ?? {} : {};
  const takesValue = valueFlags(opts);
  const starts = (xs: string[]) => xs.filter((x) => x.startsWith(cur)).sort();

  if (prev && takesValue.has(prev)) {
    if (prev === '-n' || prev === '--namespace') return starts(await src.names('namespaces'));
    if (prev === '-o' || prev === '--output') return starts(OUTPUT_FORMATS);
    if (prev === '--context') return [];
    return [];
  }
  if (cur.startsWith('-')) {
    return starts(Object.keys({ ...GLOBAL_OPTIONS, ...opts }).map((n) => `--${n}`));
  }
  if (!command) return starts(src.commands.filter((c) => !c.startsWith('_')));
  // The positionals after the command word, without flags and their values.
  const positionals: string[] = [];
  for (let i = before.indexOf(command) + 1; i < before.length; i++) {
    const w = before[i]!;
    if (w.startsWith('-')) {
      if (takesValue.has(w)) i++;
      continue;
    }
    positionals.push(w);
  }
  let args = positionals;
  const subs = SUBCOMMANDS[command];
  if (subs) {
    if (args.length === 0) return starts(subs);
    if (!SUB_TYPE_THEN_NAMES.has(command)) {
      if (command === 'top' && args.length === 1) return starts(await src.names(args[0] === 'node' ? 'nodes' : 'pods'));
      return [];
    }
    args = args.slice(1);
  }
  if (TYPE_THEN_NAMES.has(command) || SUB_TYPE_THEN_NAMES.has(command)) {
    if (args.length === 0) {
      const slash = cur.indexOf('/');
      if (slash > 0) {
        const type = cur.slice(0, slash);
        return starts((await src.names(type)).map((n) => `${type}/${n}`));
      }
      if (command === 'explain') return starts(await src.resourceTypes());
      return starts(await src.resourceTypes());
    }
    if (command === 'explain' || args[0]!.includes('/')) return [];
    return starts(await src.names(args[0]!));
  }
  if (POD_NAMES.has(command) && args.length === 0) return starts(await src.names('pods'));
  if (NODE_NAMES.has(command) && args.length === 0) return starts(await src.names('nodes'));
  return [];
}

/** The bash script: `source <(kctl completion bash)`. */
export function bashScript(): string {
  return `# bash completion for kctl: source <(kctl completion bash)
_kctl_complete() {
  local cur="\${COMP_WORDS[COMP_CWORD]}"
  local IFS=$'\\n'
  local out
  out="$(kctl __complete -- "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null)" || return 0
  COMPREPLY=( $(compgen -W "$out" -- "$cur") )
  # type/name candidates are whole words; do not add a space after an unfinished "type/"
  [[ \${#COMPREPLY[@]} -eq 1 && "\${COMPREPLY[0]}" == */ ]] && compopt -o nospace
  return 0
}
complete -o default -F _kctl_complete kctl
`;
}

/** The zsh script: `source <(kctl completion zsh)` (after compinit) or saved as _kctl in $fpath. */
export function zshScript(): string {
  return `#compdef kctl
# zsh completion for kctl: source <(kctl completion zsh), or save as _kctl in a directory of $fpath
_kctl() {
  local -a candidates
  candidates=("\${(@f)$(kctl __complete -- "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  candidates=(\${candidates:#})
  compadd -Q -- "\${candidates[@]}"
}
if [ "$funcstack[1]" = "_kctl" ]; then
  _kctl "$@"
else
  compdef _kctl kctl
fi
`;
}

export const completion: Command = {
  usage: 'kctl completion bash|zsh',
  summary: 'Print a shell completion script: source <(kctl completion bash), or zsh.',
  options: {},
  async run(flags, io) {
    const shell = flags.positionals[0];
    if (!shell) throw new UsageError('Shell not specified.', 'See \'kctl completion -h\' for help and examples');
    if (flags.positionals.length > 1) throw new UsageError('Too many arguments. Expected only the shell type.');
    if (shell === 'bash') return io.out(bashScript());
    if (shell === 'zsh') return io.out(zshScript());
    throw new UsageError(`Unsupported shell type "${shell}".`);
  },
};

/** The hidden `__complete -- WORDS…` the scripts call; `commands` is kctl's command table. */
export function completeCommand(commands: Record<string, () => Promise<Command>>): Command {
  return {
    usage: 'kctl __complete -- WORDS…',
    summary: 'Completion candidates for a kctl command line (used by the completion scripts).',
    options: {},
    async run(_flags, io) {
      const words = _flags.afterDash ?? [];
      // The line's own global flags say which cluster and namespace to ask.
      const globals: string[] = [];
      for (let i = 0; i < words.length - 1; i++) {
        const w = words[i]!;
        if (/^(-n|--namespace|--context|--kubeconfig|-s|--server)$/.test(w) && i + 1 < words.length - 1) globals.push(w, words[++i]!);
        else if (/^--(namespace|context|kubeconfig|server)=/.test(w)) globals.push(w);
      }
      const src: CompletionSource = {
        commands: Object.keys(commands),
        async optionsOf(c) {
          const load = commands[c];
          return load ? (await load()).options : undefined;
        },
        async resourceTypes() {
          const { RESOURCES } = await import('../../api/resources.js');
          return [...new Set(RESOURCES.filter((r) => !r.plural.includes('/')).map((r) => r.plural))];
        },
        async names(type) {
          try {
            const { connect } = await import('./connection.js');
            const { resolveKind } = await import('./resource-args.js');
            const info = resolveKind(type);
            const conn = await connect(parseFlags([...globals, '--request-timeout=5s'], {}));
            const list = await conn.client.resource(info.kind).list({ namespace: info.namespaced ? conn.namespace : undefined });
            return list.items.map((o) => o.metadata.name!).filter(Boolean);
          } catch {
            return []; // completion never prints an error into the user's line
          }
        },
      };
      const out = await complete(words, src);
      if (out.length) io.out(out.join('\n') + '\n');
    },
  };
}
