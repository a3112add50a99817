// The settings and limits one endpoint runs with: our defaults, the checks on what an application
// asks for (refused with the option's name, never clamped silently), and the peer's settings as
// RFC 9113 §6.5.2 starts them.
import { DEFAULT_WINDOW, MAX_MAX_FRAME_SIZE, MAX_WINDOW, MIN_MAX_FRAME_SIZE, SettingId } from "./frames.ts";
import type { H2Settings } from "./types.ts";

/** Our defaults. The window and frame size are the RFC's, so nothing changes unless configured;
 *  100 streams is what RFC 9113 §6.5.2 recommends as the least; 16 KiB of headers is far above
 *  what gRPC and etcd clients send (a JWT token is under 1 KiB) and keeps a hostile list small. */
export const DEFAULT_SETTINGS: H2Settings = {
  headerTableSize: 4096,
  maxConcurrentStreams: 100,
  initialWindowSize: DEFAULT_WINDOW,
  maxFrameSize: MIN_MAX_FRAME_SIZE,
  maxHeaderListSize: 16 * 1024,
};
/** The connection receive window unless configured: room for 16 default stream windows, so a few
 *  busy streams do not starve the rest. */
export const DEFAULT_CONNECTION_WINDOW = 1024 * 1024;
export const DEFAULT_STREAM_HIGH_WATER_MARK = 64 * 1024;
export const DEFAULT_KEEPALIVE_TIMEOUT_MS = 20_000;

/** The peer's settings until its SETTINGS frame says otherwise (RFC 9113 §6.5.2). */
export interface PeerSettings {
  headerTableSize: number;
  enablePush: boolean;
  maxConcurrentStreams: number;
  initialWindowSize: number;
  maxFrameSize: number;
  maxHeaderListSize: number;
}
export const initialPeerSettings = (): PeerSettings => ({
  headerTableSize: 4096,
  enablePush: true,
  maxConcurrentStreams: Infinity,
  initialWindowSize: DEFAULT_WINDOW,
  maxFrameSize: MIN_MAX_FRAME_SIZE,
  maxHeaderListSize: Infinity,
});

/** Everything a connection needs, resolved from the options. */
export interface ConnectionConfig {
  settings: H2Settings;
  connectionWindowSize: number;
  keepaliveIntervalMs: number;
  keepaliveTimeoutMs: number;
  streamHighWaterMark: number;
}

export interface ConnectionOptions {
  settings?: Partial<H2Settings>;
  connectionWindowSize?: number;
  keepaliveIntervalMs?: number;
  keepaliveTimeoutMs?: number;
  streamHighWaterMark?: number;
}

function check(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`HTTP/2 option ${name} is ${value}; expected an integer from ${min} to ${max}`);
  }
}

/** The options with defaults filled in; throws an Error naming the first bad option. */
export function resolveConfig(opts: ConnectionOptions): ConnectionConfig {
  const settings: H2Settings = { ...DEFAULT_SETTINGS };
  for (const [key, value] of Object.entries(opts.settings ?? {}) as [keyof H2Settings, number | undefined][]) {
    if (value !== undefined) settings[key] = value;
  }
  check("settings.headerTableSize", settings.headerTableSize, 0, 1 << 20);
  check("settings.maxConcurrentStreams", settings.maxConcurrentStreams, 0, MAX_WINDOW);
  check("settings.initialWindowSize", settings.initialWindowSize, 0, MAX_WINDOW);
  check("settings.maxFrameSize", settings.maxFrameSize, MIN_MAX_FRAME_SIZE, MAX_MAX_FRAME_SIZE);
  check("settings.maxHeaderListSize", settings.maxHeaderListSize, 1024, 1 << 30);
  const config: ConnectionConfig = {
    settings,
    connectionWindowSize: opts.connectionWindowSize ?? Math.max(DEFAULT_CONNECTION_WINDOW, settings.initialWindowSize),
    keepaliveIntervalMs: opts.keepaliveIntervalMs ?? 0,
    keepaliveTimeoutMs: opts.keepaliveTimeoutMs ?? DEFAULT_KEEPALIVE_TIMEOUT_MS,
    streamHighWaterMark: opts.streamHighWaterMark ?? DEFAULT_STREAM_HIGH_WATER_MARK,
  };
  // A WINDOW_UPDATE can only raise the connection window above its initial 65,535.
  check("connectionWindowSize", config.connectionWindowSize, DEFAULT_WINDOW, MAX_WINDOW);
  check("keepaliveIntervalMs", config.keepaliveIntervalMs, 0, 2 ** 31 - 1);
  check("keepaliveTimeoutMs", config.keepaliveTimeoutMs, 1, 2 ** 31 - 1);
  check("streamHighWaterMark", config.streamHighWaterMark, 0, 2 ** 31 - 1);
  return config;
}

/** Our SETTINGS frame's entries: every value stated, so the peer never relies on a default. */
export function settingsPairs(s: H2Settings, client: boolean): [number, number][] {
  const pairs: [number, number][] = [
    [SettingId.HEADER_TABLE_SIZE, s.headerTableSize],
    [SettingId.MAX_CONCURRENT_STREAMS, s.maxConcurrentStreams],
    [SettingId.INITIAL_WINDOW_SIZE, s.initialWindowSize],
    [SettingId.MAX_FRAME_SIZE, s.maxFrameSize],
    [SettingId.MAX_HEADER_LIST_SIZE, s.maxHeaderListSize],
  ];
  // Only a client may say it does not want server push; we never push, so a server says nothing.
  if (client) pairs.unshift([SettingId.ENABLE_PUSH, 0]);
  return pairs;
}
