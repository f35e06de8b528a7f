// `skiff up` as the cluster autoscaler's node-group provider: a node is a kubelet process under
// this supervisor. The group's members are kept in the data dir (node-group.json, like a cloud
// group's desired capacity), so a resumed cluster starts the nodes it had, not the ones it began with.
import fs from 'node:fs';
import path from 'node:path';
import type { NodeGroup } from '../../cluster-autoscaler/node-group.js';
import { nodeName } from './plan.js';

export interface AutoscaleRange {
  min: number;
  max: number;
}

/** `--autoscale-nodes MIN:MAX` → the range, with a plain message for anything wrong. Pure. */
export function parseAutoscaleRange(v: string): AutoscaleRange {
  const m = /^(\d+):(\d+)$/.exec(v);
  const min = Number(m?.[1]);
  const max = Number(m?.[2]);
  if (!m || min < 1 || max < min || max > 500) throw new Error(`--autoscale-nodes must be MIN:MAX with 1 <= MIN <= MAX <= 500, like 2:5, got "${v}"`);
  return { min, max };
}

const fileOf = (root: string) => path.join(root, 'node-group.json');

/** The members the group had when it last changed, if it ever did. */
export function readNodeGroup(root: string): string[] | undefined {
  try {
    const names = (JSON.parse(fs.readFileSync(fileOf(root), 'utf8')) as { nodes?: unknown }).nodes;
    return Array.isArray(names) && names.every((n) => typeof n === 'string') ? names : undefined;
  } catch {
    return undefined;
  }
}

export function writeNodeGroup(root: string, names: string[]): void {
  const tmp = `${fileOf(root)}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify({ nodes: names }, null, 2)}\n`);
  fs.renameSync(tmp, fileOf(root));
}

/** The nodes to start: the remembered members (clamped into the range), else --nodes clamped. Pure. */
export function initialMembers(remembered: string[] | undefined, nodes: number, range: AutoscaleRange, prefix: string): string[] {
  const names = remembered?.length ? [...remembered] : Array.from({ length: nodes }, (_, i) => nodeName(prefix, i + 1));
  while (names.length > range.max) names.pop();
  while (names.length < range.min) names.push(nextName(names, prefix));
  return names;
}

/** The lowest free name prefix<k>. Pure. */
export function nextName(taken: readonly string[], prefix: string): string {
  for (let k = 1; ; k++) if (!taken.includes(nodeName(prefix, k))) return nodeName(prefix, k);
}

export class SkiffUpNodeGroup implements NodeGroup {
  readonly id: string;

  constructor(
    readonly minSize: number,
    readonly maxSize: number,
    private members: string[],
    private readonly prefix: string,
    private readonly root: string,
    /** Make the node's certificates and start its kubelet. */
    private readonly startNode: (name: string) => Promise<void>,
    /** Stop the node's kubelet (its pods with it). */
    private readonly stopNode: (name: string) => Promise<void>,
  ) {
    this.id = `skiff-up/${prefix}`;
  }

  nodeNames(): string[] {
    return [...this.members];
  }

  async increaseSize(delta: number): Promise<string[]> {
    const added: string[] = [];
    for (let i = 0; i < delta && this.members.length < this.maxSize; i++) {
      const name = nextName(this.members, this.prefix);
      this.members.push(name);
      writeNodeGroup(this.root, this.members);
      try {
        await this.startNode(name);
      } catch (e) {
        // Not started: not a member (a ghost would count toward MAX for ever).
        this.members = this.members.filter((n) => n !== name);
        writeNodeGroup(this.root, this.members);
        throw e;
      }
      added.push(name);
    }
    return added;
  }

  async deleteNode(name: string): Promise<void> {
    if (!this.members.includes(name)) return;
    await this.stopNode(name);
    this.members = this.members.filter((n) => n !== name);
    writeNodeGroup(this.root, this.members);
  }
}
