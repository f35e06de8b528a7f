// Static bearer tokens from kube-apiserver's --token-auth-file: CSV lines of
//   token,user,uid[,"group1,group2"]
// (a quoted fourth column holds several groups). Parsed with csv-parse; lines starting with
// '#' are comments. Errors name the line, never the token.
import fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import type { TokenAuthenticator } from './authenticator.js';
import type { UserInfo } from './user.js';

export function parseTokenFile(text: string, file = 'token file'): Map<string, UserInfo> {
  let records: string[][];
  try {
    records = parse(text, { relax_column_count: true, comment: '#', skip_empty_lines: true, trim: true, bom: true }) as string[][];
  } catch (e) {
    throw new Error(`${file}: not valid CSV: ${(e as Error).message.replace(/"[^"]*"/g, '"…"')}`);
  }
  const tokens = new Map<string, UserInfo>();
  records.forEach((r, i) => {
    if (r.length < 3) throw new Error(`${file}: record ${i + 1} must have at least 3 columns (token, user name, user uid), found ${r.length}`);
    const [token, name, uid, groups] = r as [string, string, string, string?];
    if (!token) throw new Error(`${file}: record ${i + 1} has an empty token`);
    if (!name) throw new Error(`${file}: record ${i + 1} has an empty user name`);
    if (tokens.has(token)) throw new Error(`${file}: record ${i + 1} repeats the token of an earlier record`);
    tokens.set(token, { name, ...(uid ? { uid } : {}), groups: (groups ?? '').split(',').map((g) => g.trim()).filter(Boolean) });
  });
  return tokens;
}

export class TokenFileAuthenticator implements TokenAuthenticator {
  constructor(private readonly tokens: Map<string, UserInfo>) {}

  static fromFile(file: string): TokenFileAuthenticator {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      throw new Error(`--token-auth-file ${file}: ${(e as Error).message}`);
    }
    return new TokenFileAuthenticator(parseTokenFile(text, file));
  }

  authenticateToken(token: string): UserInfo | undefined {
    return this.tokens.get(token);
  }
}
