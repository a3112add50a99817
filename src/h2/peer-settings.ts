// Applying the peer's SETTINGS frame (RFC 9113 §6.5.2), in order, each value checked: a bad one is
// a connection error with the code the RFC names.
import type { Sender } from "./flow.ts";
import { MAX_MAX_FRAME_SIZE, MAX_WINDOW, MIN_MAX_FRAME_SIZE, readU32, SettingId } from "./frames.ts";
import type { PeerSettings } from "./settings.ts";
import { H2Error, type H2ErrorCode } from "./types.ts";

export interface SettingsTarget {
  readonly isClient: boolean;
  readonly peer: PeerSettings;
  readonly sender: Sender;
  /** SETTINGS_HEADER_TABLE_SIZE changed: our HPACK encoder follows. */
  peerTableSize(size: number): void;
  /** SETTINGS_INITIAL_WINDOW_SIZE changed by delta: every open stream's send window moves by it
   *  (§6.9.2, it may go negative); false when one would pass 2^31-1. */
  shiftStreamWindows(delta: number): boolean;
}

export interface SettingsError {
  code: H2ErrorCode;
  message: string;
}

export function applySettings(t: SettingsTarget, b: Uint8Array, start: number, end: number): SettingsError | undefined {
  const peer = t.peer;
  for (let at = start; at < end; at += 6) {
    const id = (b[at]! << 8) | b[at + 1]!;
    const v = readU32(b, at + 2);
    switch (id) {
      case SettingId.HEADER_TABLE_SIZE:
        if (v !== peer.headerTableSize) {
          peer.headerTableSize = v;
          t.peerTableSize(v);
        }
        break;
      case SettingId.ENABLE_PUSH:
        if (v > 1) return { code: H2Error.PROTOCOL_ERROR, message: `SETTINGS_ENABLE_PUSH is ${v}; it must be 0 or 1` };
        if (t.isClient && v === 1) return { code: H2Error.PROTOCOL_ERROR, message: "a server sent SETTINGS_ENABLE_PUSH 1 (RFC 9113 §6.5.2)" };
        peer.enablePush = v === 1;
        break;
      case SettingId.MAX_CONCURRENT_STREAMS:
        peer.maxConcurrentStreams = v;
        break;
      case SettingId.INITIAL_WINDOW_SIZE: {
        if (v > MAX_WINDOW) return { code: H2Error.FLOW_CONTROL_ERROR, message: `SETTINGS_INITIAL_WINDOW_SIZE ${v} is over 2^31-1` };
        const delta = v - peer.initialWindowSize;
        peer.initialWindowSize = v;
        if (delta !== 0 && !t.shiftStreamWindows(delta)) {
          return { code: H2Error.FLOW_CONTROL_ERROR, message: `SETTINGS_INITIAL_WINDOW_SIZE ${v} takes a stream's send window over 2^31-1` };
        }
        break;
      }
      case SettingId.MAX_FRAME_SIZE:
        if (v < MIN_MAX_FRAME_SIZE || v > MAX_MAX_FRAME_SIZE) {
          return { code: H2Error.PROTOCOL_ERROR, message: `SETTINGS_MAX_FRAME_SIZE ${v} is outside ${MIN_MAX_FRAME_SIZE}..${MAX_MAX_FRAME_SIZE}` };
        }
        peer.maxFrameSize = v;
        t.sender.maxFrameSize = v;
        break;
      case SettingId.MAX_HEADER_LIST_SIZE:
        peer.maxHeaderListSize = v;
        break;
      case SettingId.ENABLE_CONNECT_PROTOCOL:
        if (v > 1) return { code: H2Error.PROTOCOL_ERROR, message: `SETTINGS_ENABLE_CONNECT_PROTOCOL is ${v}; it must be 0 or 1` };
        break;
      default:
        break; // unknown settings are ignored (§6.5.2)
    }
  }
  return undefined;
}
