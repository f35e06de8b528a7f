// Reading the Prometheus text format (0.0.4) a kubelet's /metrics/resource answers: one sample
// per line, `name{label="value",…} value [timestamp_ms]`; `#` lines are comments (HELP, TYPE).
// Only what the scraper needs: names, labels (with their escapes), values, timestamps. Pure.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
  /** Milliseconds since the epoch, when the line carries one. */
  timestamp?: number;
}

export class PrometheusParseError extends Error {
  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.name = 'PrometheusParseError';
  }
}

function parseValue(s: string): number {
  if (s === '+Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  if (s === 'NaN') return NaN;
  const v = Number(s);
  if (s === '' || Number.isNaN(v)) throw new Error(`bad value ${JSON.stringify(s)}`);
  return v;
}

export function parsePrometheusText(text: string): Sample[] {
  const out: Sample[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line || line.startsWith('#')) continue;
    try {
      const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
      if (!nameMatch) throw new Error('no metric name');
      const name = nameMatch[0];
      let pos = name.length;
      const labels: Record<string, string> = {};
      if (line[pos] === '{') {
        pos++;
        for (;;) {
          while (line[pos] === ' ' || line[pos] === ',') pos++;
          if (line[pos] === '}') {
            pos++;
            break;
          }
          const key = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(line.slice(pos));
          if (!key) throw new Error('bad label name');
          pos += key[0].length;
          if (line[pos] !== '=' || line[pos + 1] !== '"') throw new Error(`label ${key[0]}: expected ="`);
          pos += 2;
          let v = '';
          for (;;) {
            const c = line[pos++];
            if (c === undefined) throw new Error('unterminated label value');
            if (c === '"') break;
            if (c === '\\') {
              const e = line[pos++];
              v += e === 'n' ? '\n' : e ?? '';
            } else v += c;
          }
          labels[key[0]] = v;
        }
      }
      const rest = line.slice(pos).trim().split(/\s+/);
      if (rest.length < 1 || rest.length > 2) throw new Error('expected a value and an optional timestamp');
      const value = parseValue(rest[0]!);
      const sample: Sample = { name, labels, value };
      if (rest[1] !== undefined) {
        const ts = Number(rest[1]);
        if (!Number.isInteger(ts)) throw new Error(`bad timestamp ${rest[1]}`);
        sample.timestamp = ts;
      }
      out.push(sample);
    } catch (err) {
      throw new PrometheusParseError(i + 1, err instanceof Error ? err.message : String(err));
    }
  }
  return out;
}
