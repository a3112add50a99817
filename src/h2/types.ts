// The contract between our HTTP/2 connection (src/h2) and what runs on it (src/grpc, the client
// port's HTTP surface). Callbacks rather than EventEmitters: a call on the hot path costs a few
// microseconds in total, and an emitter per stream would be a large part of that.

/** A header list in wire order: lowercase names, pseudo-headers first. */
export type HeaderList = [name: string, value: string][];

/** RFC 9113 §7 error codes. */
export const H2Error = {
  NO_ERROR: 0x0,
  PROTOCOL_ERROR: 0x1,
  INTERNAL_ERROR: 0x2,
  FLOW_CONTROL_ERROR: 0x3,
  SETTINGS_TIMEOUT: 0x4,
  STREAM_CLOSED: 0x5,
  FRAME_SIZE_ERROR: 0x6,
  REFUSED_STREAM: 0x7,
  CANCEL: 0x8,
  COMPRESSION_ERROR: 0x9,
  CONNECT_ERROR: 0xa,
  ENHANCE_YOUR_CALM: 0xb,
  INADEQUATE_SECURITY: 0xc,
  HTTP_1_1_REQUIRED: 0xd,
} as const;
export type H2ErrorCode = (typeof H2Error)[keyof typeof H2Error];

/** What this endpoint advertises in its SETTINGS frame (RFC 9113 §6.5.2) and enforces. */
export interface H2Settings {
  headerTableSize: number;
  maxConcurrentStreams: number;
  /** Each stream's receive window. */
  initialWindowSize: number;
  /** The largest frame payload this endpoint accepts; 16,384..16,777,215. */
  maxFrameSize: number;
  /** Decoded size of a header list (RFC 9113 §6.5.2: names + values + 32 per field). */
  maxHeaderListSize: number;
}

/** A byte stream under the connection: plain TCP or TLS, Bun's sockets or node:net/node:tls underneath. */
export interface ByteSocket {
  /** Queues every byte (the socket keeps what the kernel did not take); false once more than the
   *  socket's buffer is waiting, and `onDrain` follows when it has been written. */
  write(bytes: Uint8Array): boolean;
  /** Flushes what is queued, then closes. */
  end(): void;
  /** Closes at once, dropping what is queued. */
  destroy(): void;
  /** SO_KEEPALIVE with this idle time before the first probe; false when the OS refused. */
  setKeepAlive(initialDelayMs: number): boolean;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** The CN of the client certificate a TLS listener that requires one verified (etcd's user
   *  name for certificate auth); absent otherwise. */
  peerCommonName?: string;
  onData: (chunk: Uint8Array) => void;
  onDrain: () => void;
  onClose: (err?: Error) => void;
}

/** PEM text of one side of a TLS connection, as its files hold it now. */
export interface TlsMaterial {
  /** This side's certificate chain; a client without one sends no certificate. */
  cert?: string;
  key?: string;
  /** The CA certificates the other side's certificate must chain to ("" : the system's). */
  ca: string;
}

/** What a listener learns of a verified client certificate. */
export interface PeerIdentity {
  commonName: string;
  subjectAltName: string;
}

/** TLS on a listening port (ALPN "h2"). The material is read at listen time and again after each
 *  `watch` call-back, so replaced files take effect for new connections without a restart. */
export interface H2ServerTls {
  material(): TlsMaterial & { cert: string; key: string };
  /** Ask every client for a certificate that chains to `ca`, and refuse the handshake without one. */
  requireClientCert: boolean;
  /** A reason to refuse a verified client certificate (etcd's --peer-cert-allowed-cn and
   *  --peer-cert-allowed-hostname), or undefined. `subjectAltName` as node:tls writes it
   *  ("DNS:a, IP Address:10.0.0.1"). */
  authorize?(peer: PeerIdentity): string | undefined;
  /** Calls `changed` whenever the files change; returns a function that stops watching. */
  watch?(changed: () => void): () => void;
  /** A handshake refused: the client's "host:port" and why. */
  onRefused?(remote: string, reason: string): void;
  /** New material in effect (or why the listener kept the old one). */
  onReloaded?(error?: Error): void;
}

/** TLS on a client connection: the server's certificate must chain to `ca` and name `serverName`. */
export interface H2ClientTls {
  /** Read at every dial, so replaced files take effect on the next connection. */
  material(): TlsMaterial;
  /** The name checked against the server certificate's SANs (default: the host dialled). */
  serverName?: string;
}

/** A listening socket that hands each accepted connection over as a ByteSocket. */
export interface ByteListener {
  readonly port: number;
  close(): void;
}

/** One request stream as the server sees it. The application sets the `on*` callbacks inside
 *  `onStream`, before returning; data that arrives earlier is not lost (the connection delivers
 *  after onStream returns). */
export interface H2ServerStream {
  readonly id: number;
  /** The request's header list, pseudo-headers included, as received. */
  readonly headers: HeaderList;
  /** The peer's address, for logs. */
  readonly remoteAddress: string;
  /** The connection's verified client certificate CN (ByteSocket.peerCommonName). */
  readonly peerCommonName?: string;
  /** A DATA frame's payload (padding removed). The stream's receive window is credited back after
   *  the callback returns, unless the stream is paused. */
  onData: (chunk: Uint8Array) => void;
  /** The peer ended its side (END_STREAM). */
  onEnd: () => void;
  /** The stream is gone without a clean end from us: RST_STREAM from the peer (its code), or the
   *  connection closed (CANCEL when the socket closed, the GOAWAY code otherwise). Called once; no
   *  callback follows. */
  onReset: (code: number) => void;
  /** The send window or the connection's queue has room again after write() returned false. */
  onDrain: () => void;
  /** Sends the response headers. */
  respond(headers: HeaderList, endStream?: boolean): void;
  /** Sends data, in frames no larger than the peer's SETTINGS_MAX_FRAME_SIZE, within the stream and
   *  connection send windows; what does not fit is queued. Returns false once more than the
   *  stream's high-water mark is queued (the caller should wait for onDrain). */
  write(data: Uint8Array): boolean;
  /** Ends our side: trailers as a final HEADERS frame with END_STREAM, or an empty DATA frame with
   *  END_STREAM. Queued data goes first. */
  end(trailers?: HeaderList): void;
  /** RST_STREAM with the code; no callback follows. */
  reset(code: H2ErrorCode): void;
  /** Stops crediting the receive window back, so the peer stops sending once it is used up. */
  pause(): void;
  resume(): void;
  /** True once both sides ended or the stream was reset. */
  readonly closed: boolean;
}

export interface H2ServerOptions {
  settings?: Partial<H2Settings>;
  /** The connection-level receive window, announced with a WINDOW_UPDATE on stream 0 right after
   *  our SETTINGS (the RFC's initial value is 65,535). */
  connectionWindowSize?: number;
  /** PING every this many ms of silence from the peer; 0 turns keep-alive off. */
  keepaliveIntervalMs?: number;
  /** Close the connection when a PING is not acknowledged within this many ms. */
  keepaliveTimeoutMs?: number;
  /** Bytes queued on one stream beyond which write() returns false. */
  streamHighWaterMark?: number;
  /** SO_KEEPALIVE on every accepted socket, with this idle time (ms) before the first probe;
   *  0 or absent leaves the OS default (off). */
  tcpKeepAliveMs?: number;
  /** TLS (ALPN "h2") instead of plain TCP. */
  tls?: H2ServerTls;
  /** A new request stream. */
  onStream(stream: H2ServerStream): void;
  /** A connection ended with a protocol error (for a log line); the connection has already been
   *  closed with GOAWAY and the right code. */
  onProtocolError?(remote: string, code: H2ErrorCode, message: string): void;
}

/** One request stream as the client sees it (the mirror of H2ServerStream). */
export interface H2ClientStream {
  readonly id: number;
  /** Response headers (endStream false, or true for a trailers-only answer) and trailers
   *  (endStream true). */
  onHeaders: (headers: HeaderList, endStream: boolean) => void;
  onData: (chunk: Uint8Array) => void;
  /** The server ended its side (END_STREAM, after onHeaders/onData). */
  onEnd: () => void;
  /** RST_STREAM from the server (its code), REFUSED_STREAM for a stream a GOAWAY did not take,
   *  or CANCEL when the connection closed. Called once; no callback follows. */
  onReset: (code: number) => void;
  onDrain: () => void;
  write(data: Uint8Array): boolean;
  /** Ends our side with an empty DATA frame with END_STREAM, after queued data. */
  end(): void;
  reset(code: H2ErrorCode): void;
  pause(): void;
  resume(): void;
  readonly closed: boolean;
}

export interface H2ClientOptions {
  host: string;
  port: number;
  socket?: "bun" | "node";
  settings?: Partial<H2Settings>;
  connectionWindowSize?: number;
  keepaliveIntervalMs?: number;
  keepaliveTimeoutMs?: number;
  streamHighWaterMark?: number;
  /** Give up connecting after this many ms. */
  connectTimeoutMs?: number;
  /** How long the TLS handshake and the server's SETTINGS may take once TCP connected (both need
   *  the server's runtime, which a busy event loop delays); default: what is left of
   *  connectTimeoutMs. A short connectTimeoutMs then only bounds a connect that gets no answer
   *  at all (a black-holed SYN). */
  handshakeTimeoutMs?: number;
  /** SO_KEEPALIVE on the socket, with this idle time (ms) before the first probe. */
  tcpKeepAliveMs?: number;
  /** TLS (ALPN "h2") instead of plain TCP. */
  tls?: H2ClientTls;
}

export interface H2ClientConnection {
  /** Opens a stream with the request headers. Streams beyond the server's
   *  SETTINGS_MAX_CONCURRENT_STREAMS wait for a free slot (their id is assigned when they open). */
  request(headers: HeaderList, endStream?: boolean): H2ClientStream;
  /** Round trip of a PING, in ms. */
  ping(): Promise<number>;
  /** GOAWAY(NO_ERROR), let open streams finish, close. */
  close(): void;
  /** Closes at once; open streams get onReset(CANCEL). */
  destroy(): void;
  readonly closed: boolean;
  /** The connection is gone (peer closed, keep-alive timeout, protocol error, close()). */
  onClose: (err?: Error) => void;
  /** The server sent GOAWAY: no new streams on this connection. */
  onGoaway: (code: number) => void;
}
