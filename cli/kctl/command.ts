// The shape every kctl command module exports, and the output channel it writes to.
import type { Flags, OptionDefs } from './flags.js';

export interface Output {
  out(s: string): void;
  err(s: string): void;
  /** stdout is a terminal (live progress lines, colours). */
  isTTY: boolean;
}

export interface Command {
  /** `kctl get [KIND] [NAME…] [flags]` */
  usage: string;
  summary: string;
  options: OptionDefs;
  run(flags: Flags, io: Output): Promise<void>;
}

export const processOutput: Output = {
  out: (s) => void process.stdout.write(s),
  err: (s) => void process.stderr.write(s),
  isTTY: !!process.stdout.isTTY,
};
