// gRPC status codes and the status a call ends with (grpc/doc/statuscodes.md), and the
// percent-encoding of grpc-message (grpc/doc/PROTOCOL-HTTP2.md: printable ASCII except '%' as is,
// every other byte of the UTF-8 text as %XX).
export const GrpcStatus = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

/** The code's name ("UNAVAILABLE"), or its number for a code gRPC does not define. */
export function statusName(code: number): string {
  for (const [name, value] of Object.entries(GrpcStatus)) if (value === code) return name;
  return String(code);
}

/** What a handler ends a call with; `details` becomes grpc-message. */
export interface StatusObject {
  code: number;
  details: string;
}

export function encodeGrpcMessage(text: string): string {
  let plain = true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x25) { plain = false; break; }
  }
  if (plain) return text;
  let out = "";
  for (const b of new TextEncoder().encode(text)) {
    out += b >= 0x20 && b <= 0x7e && b !== 0x25 ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

export function decodeGrpcMessage(wire: string): string {
  if (!wire.includes("%")) return wire;
  const bytes: number[] = [];
  for (let i = 0; i < wire.length; i++) {
    const c = wire.charCodeAt(i);
    if (c === 0x25 && i + 2 < wire.length) {
      const v = Number.parseInt(wire.slice(i + 1, i + 3), 16);
      if (!Number.isNaN(v)) { bytes.push(v); i += 2; continue; }
    }
    bytes.push(c & 0xff);
  }
  return new TextDecoder().decode(Uint8Array.from(bytes));
}
