// The remote-command WebSocket protocol of pods/exec and pods/attach (k8s.io/apimachinery
// pkg/util/remotecommand and wsstream), shared by the kubelet that serves it and kctl that
// speaks it. Each binary message is one byte of channel then the data: 0 stdin, 1 stdout,
// 2 stderr, 3 error (how the command ended), 4 resize (`{"Width","Height"}`, v3 and later).
// v4 and later write a metav1.Status on the error channel (exit code as a cause); earlier
// versions a plain error text. v5 adds the close signal: `[255, channel]` half-closes a
// channel (the client's way to say stdin ended). Base64 variants carry text messages whose
// first character is the channel digit and the rest base64. Pure: no I/O.

export const STREAM_PROTOCOL_V5 = 'v5.channel.k8s.io';
export const STREAM_PROTOCOL_V4 = 'v4.channel.k8s.io';
export const STREAM_PROTOCOL_V3 = 'v3.channel.k8s.io';
export const STREAM_PROTOCOL_V2 = 'v2.channel.k8s.io';
export const STREAM_PROTOCOL_V1 = 'channel.k8s.io';
export const STREAM_PROTOCOL_V4_BASE64 = 'v4.base64.channel.k8s.io';
export const STREAM_PROTOCOL_V1_BASE64 = 'base64.channel.k8s.io';

/** What we serve, best first (the server picks the first of these the client offers). */
export const REMOTE_COMMAND_PROTOCOLS = [
  STREAM_PROTOCOL_V5, STREAM_PROTOCOL_V4, STREAM_PROTOCOL_V4_BASE64, STREAM_PROTOCOL_V3, STREAM_PROTOCOL_V2, STREAM_PROTOCOL_V1, STREAM_PROTOCOL_V1_BASE64,
];

export const STDIN = 0;
export const STDOUT = 1;
export const STDERR = 2;
export const ERROR = 3;
export const RESIZE = 4;
/** v5: `[CLOSE, channel]` means no more data will come on that channel. */
export const CLOSE = 255;

export interface ProtocolFeatures {
  name: string;
  /** Text messages with base64 payloads instead of binary ones. */
  base64: boolean;
  /** The resize channel exists (v3+). */
  resize: boolean;
  /** The error channel carries a metav1.Status (v4+) rather than text. */
  statusJSON: boolean;
  /** The close signal exists (v5). */
  close: boolean;
}

/** The protocol to answer an offer with, or undefined when none is ours. An empty offer is v1 binary (wsstream's "" protocol). */
export function negotiate(offered: readonly string[]): ProtocolFeatures | undefined {
  if (offered.length === 0) return features(STREAM_PROTOCOL_V1);
  const name = REMOTE_COMMAND_PROTOCOLS.find((p) => offered.includes(p));
  return name ? features(name) : undefined;
}

export function features(name: string): ProtocolFeatures {
  const version = name.startsWith('v5.') ? 5 : name.startsWith('v4.') ? 4 : name.startsWith('v3.') ? 3 : name.startsWith('v2.') ? 2 : 1;
  return { name, base64: name.includes('base64'), resize: version >= 3, statusJSON: version >= 4, close: version >= 5 };
}

/** One message: channel byte then data (binary), or channel digit then base64 (text). */
export function encodeMessage(p: ProtocolFeatures, channel: number, data: Buffer | string): Buffer | string {
  const body = typeof data === 'string' ? Buffer.from(data) : data;
  if (p.base64) return String.fromCharCode(48 + channel) + body.toString('base64');
  return Buffer.concat([Buffer.from([channel]), body]);
}

export function decodeMessage(p: ProtocolFeatures, msg: Buffer | string): { channel: number; data: Buffer } | undefined {
  if (p.base64) {
    const s = typeof msg === 'string' ? msg : msg.toString('latin1');
    if (!s.length) return undefined;
    return { channel: s.charCodeAt(0) - 48, data: Buffer.from(s.slice(1), 'base64') };
  }
  const b = typeof msg === 'string' ? Buffer.from(msg) : msg;
  if (!b.length) return undefined;
  return { channel: b[0]!, data: b.subarray(1) };
}

export interface TerminalSize { width: number; height: number }

/** The resize channel's JSON, `{"Width":80,"Height":24}`; undefined when it is not one. */
export function parseResize(data: Buffer): TerminalSize | undefined {
  try {
    const v = JSON.parse(data.toString('utf8')) as { Width?: unknown; Height?: unknown };
    const width = Number(v.Width);
    const height = Number(v.Height);
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0 || width > 65535 || height > 65535) return undefined;
    return { width, height };
  } catch {
    return undefined;
  }
}

export function resizeMessage(size: TerminalSize): string {
  return JSON.stringify({ Width: size.width, Height: size.height });
}

/** How the command ended, on the error channel: metav1.Status (v4+) or text (earlier); v1–v3 send nothing on success. */
export function exitMessage(p: ProtocolFeatures, command: readonly string[], exitCode: number): string | undefined {
  if (p.statusJSON) {
    if (exitCode === 0) return JSON.stringify({ metadata: {}, status: 'Success' });
    return JSON.stringify({
      metadata: {}, status: 'Failure', reason: 'NonZeroExitCode',
      message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${exitCode}`,
      details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
    });
  }
  return exitCode === 0 ? undefined : `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${exitCode}`;
}

/** An internal failure (not an exit code) on the error channel. */
export function failureMessage(p: ProtocolFeatures, message: string): string {
  if (!p.statusJSON) return message;
  return JSON.stringify({ metadata: {}, status: 'Failure', reason: 'InternalError', code: 500, message });
}

/** What the error channel said, as kubectl reads it: an exit code, success, or an error message. */
export function parseExitMessage(p: ProtocolFeatures, data: string): { exitCode: number } | { error: string } {
  if (!data.trim()) return { exitCode: 0 };
  if (!p.statusJSON) return { error: data };
  let s: { status?: string; reason?: string; message?: string; details?: { causes?: { reason?: string; message?: string }[] } };
  try {
    s = JSON.parse(data);
  } catch {
    return { error: `error stream protocol error: ${data}` };
  }
  if (s.status === 'Success') return { exitCode: 0 };
  if (s.reason === 'NonZeroExitCode') {
    const cause = s.details?.causes?.find((c) => c.reason === 'ExitCode');
    const code = Number(cause?.message);
    if (Number.isInteger(code)) return { exitCode: code };
    return { error: `error stream protocol error: invalid exit code value ${JSON.stringify(cause?.message)}` };
  }
  return { error: s.message ?? data };
}
