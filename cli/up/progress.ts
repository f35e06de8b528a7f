// What `skiff up` shows while the cluster comes up: one line per step. On a terminal the
// current step has a spinner that turns into ✓ or ✗; elsewhere (logs, CI, tests) each step
// prints one plain line when it finishes, so the output reads the same in a file.

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export interface Step {
  done(detail?: string): void;
  fail(detail: string): void;
  update(detail: string): void;
}

export class Progress {
  private spinner: NodeJS.Timeout | undefined;
  private readonly width = 20;

  constructor(
    private readonly write: (s: string) => void,
    private readonly tty: boolean,
  ) {}

  private line(mark: string, label: string, detail: string): string {
    return `  ${mark} ${label.padEnd(this.width)} ${detail}`.trimEnd();
  }

  step(label: string, detail = ''): Step {
    const started = Date.now();
    let frame = 0;
    let current = detail;
    const elapsed = () => `(${((Date.now() - started) / 1000).toFixed(1)}s)`;
    const clear = () => {
      if (this.spinner) clearInterval(this.spinner);
      this.spinner = undefined;
    };
    if (this.tty) {
      const draw = () => this.write(`\r\x1b[K${this.line(FRAMES[frame++ % FRAMES.length]!, label, current)}`);
      draw();
      this.spinner = setInterval(draw, 80);
    }
    return {
      update: (d: string) => {
        current = d;
      },
      done: (d?: string) => {
        clear();
        const text = this.line(this.tty ? '\x1b[32m✓\x1b[0m' : '✓', label, `${d ?? current} ${elapsed()}`.trim());
        this.write(this.tty ? `\r\x1b[K${text}\n` : `${text}\n`);
      },
      fail: (d: string) => {
        clear();
        const text = this.line(this.tty ? '\x1b[31m✗\x1b[0m' : '✗', label, d);
        this.write(this.tty ? `\r\x1b[K${text}\n` : `${text}\n`);
      },
    };
  }

  /** A line outside any step (crash reports, notes). */
  note(mark: string, text: string): void {
    this.write(`  ${mark} ${text}\n`);
  }
}
