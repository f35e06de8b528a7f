// Compose's variable interpolation and .env files. Every string value of the file may use
// `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?message}`, `${VAR?message}`,
// `${VAR:+alt}`, `${VAR+alt}`; `$$` is a literal `$`. Values come from the shell, then the
// project's `.env` (the shell wins), as `docker compose` does.

export type Env = Record<string, string | undefined>;

export interface InterpolationResult {
  value: string;
  /** Variables used but not set (Compose warns and uses an empty string). */
  unset: string[];
  /** `${VAR:?message}` on an unset variable. */
  errors: string[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

export function interpolate(s: string, env: Env): InterpolationResult {
  const unset: string[] = [];
  const errors: string[] = [];
  let out = '';
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c !== '$') {
      out += c;
      i++;
      continue;
    }
    const next = s[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (next === '{') {
      // Find the matching brace (a default may itself hold ${…}).
      let depth = 1;
      let j = i + 2;
      for (; j < s.length && depth > 0; j++) {
        if (s[j] === '{') depth++;
        else if (s[j] === '}') depth--;
      }
      if (depth > 0) {
        errors.push(`invalid interpolation format for "${s}": unclosed "\${"`);
        return { value: s, unset, errors };
      }
      const body = s.slice(i + 2, j - 1);
      const name = NAME.exec(body)?.[0];
      if (!name) {
        errors.push(`invalid interpolation format for "${s}": "\${${body}}" names no variable`);
        return { value: s, unset, errors };
      }
      const op = /^(:-|-|:\?|\?|:\+|\+)?([\s\S]*)$/.exec(body.slice(name.length))!;
      const v = env[name];
      const empty = v === undefined || v === '';
      const sub = (t: string) => {
        const r = interpolate(t, env);
        unset.push(...r.unset);
        errors.push(...r.errors);
        return r.value;
      };
      switch (op[1]) {
        case ':-': out += empty ? sub(op[2]!) : v; break;
        case '-': out += v === undefined ? sub(op[2]!) : v; break;
        case ':?': if (empty) errors.push(`required variable ${name} is missing a value: ${op[2] || 'not set'}`); else out += v; break;
        case '?': if (v === undefined) errors.push(`required variable ${name} is missing a value: ${op[2] || 'not set'}`); else out += v; break;
        case ':+': out += empty ? '' : sub(op[2]!); break;
        case '+': out += v === undefined ? '' : sub(op[2]!); break;
        default:
          if (op[2]) {
            errors.push(`invalid interpolation format for "${s}": "\${${body}}"`);
            return { value: s, unset, errors };
          }
          if (v === undefined) unset.push(name);
          out += v ?? '';
      }
      i = j;
      continue;
    }
    const name = NAME.exec(s.slice(i + 1))?.[0];
    if (name) {
      if (env[name] === undefined) unset.push(name);
      out += env[name] ?? '';
      i += 1 + name.length;
      continue;
    }
    out += '$';
    i++;
  }
  return { value: out, unset, errors };
}

/** A `.env` / `env_file` text: `KEY=VALUE` lines, `#` comments, `export KEY=…`, quoted values. */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([^=\s]+)\s*(?:=\s*(.*))?$/.exec(line);
    if (!m) continue;
    let v = m[2] ?? '';
    if (/^"[\s\S]*"$/.test(v)) v = v.slice(1, -1).replace(/\\n/g, '\n').replace(/\\"/g, '"');
    else if (/^'[\s\S]*'$/.test(v)) v = v.slice(1, -1);
    else v = v.replace(/\s+#.*$/, '');
    out[m[1]!] = v;
  }
  return out;
}
