// A certificate, its key and a CA bundle as files that may be replaced while the member runs
// (rotation without a restart, as etcd re-reads its files per handshake). The files are read when
// asked and again once their size or mtime changed; a new certificate is taken only once its key
// matches it, so a rotation caught between writing the two files keeps the old pair meanwhile.
import { createPrivateKey, X509Certificate } from "node:crypto";
import { statSync } from "node:fs";
import { readPem } from "./check.ts";

export interface TlsFiles {
  certFile: string;
  keyFile: string;
  caFile: string;
}

export interface Material {
  cert: string;
  key: string;
  ca: string;
}

/** How often watchers look at the files: a rotation takes effect within this long. */
export const POLL_MS = 1000;

function stampOf(files: TlsFiles): string {
  return [files.certFile, files.keyFile, files.caFile]
    .map((f) => {
      try {
        const s = statSync(f);
        return `${s.size}:${s.mtimeMs}:${s.ino}`;
      } catch {
        return "missing";
      }
    })
    .join("|");
}

/** Reads the three files and checks the key is the certificate's. */
export function readMaterial(files: TlsFiles): Material {
  const read = (what: string, f: string) => {
    try {
      return readPem(f);
    } catch (err) {
      throw new Error(`cannot read ${what} ${f}: ${(err as Error).message}`);
    }
  };
  // No CA file (a client port without client_cert_auth): "" leaves the system's CAs.
  const m = { cert: read("certificate", files.certFile), key: read("key", files.keyFile), ca: files.caFile === "" ? "" : read("CA file", files.caFile) };
  let matches = false;
  try {
    matches = new X509Certificate(m.cert).checkPrivateKey(createPrivateKey(m.key));
  } catch (err) {
    throw new Error(`${files.certFile} / ${files.keyFile}: ${(err as Error).message}`);
  }
  if (!matches) throw new Error(`the key in ${files.keyFile} does not match the certificate in ${files.certFile}`);
  return m;
}

export class CredentialFiles {
  private stamp = "";
  private cached: Material | undefined;
  /** What the watchers last took (at watch() or their last call-back). */
  private announced: Material | undefined;
  private readonly watchers = new Set<() => void>();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(readonly files: TlsFiles, private readonly pollMs = POLL_MS) {}

  /** The material now: the cached copy while the files are unchanged, else read again. Throws
   *  when there is no good pair at all; keeps the last good one while the new files disagree. */
  material(): Material {
    const stamp = stampOf(this.files);
    if (this.cached !== undefined && stamp === this.stamp) return this.cached;
    try {
      this.cached = readMaterial(this.files);
      this.stamp = stamp;
    } catch (err) {
      if (this.cached === undefined) throw err;
    }
    return this.cached;
  }

  /** Calls `changed` once the files hold a new good pair; returns a function that stops it. */
  watch(changed: () => void): () => void {
    this.watchers.add(changed);
    if (this.timer === undefined) {
      this.announced = this.material();
      this.timer = setInterval(() => this.poll(), this.pollMs);
      (this.timer as { unref?: () => void }).unref?.();
    }
    return () => {
      this.watchers.delete(changed);
      if (this.watchers.size === 0 && this.timer !== undefined) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    };
  }

  private poll(): void {
    // A dial may have read the new files first: compare with what the watchers were last given.
    const now = this.material();
    if (now === this.announced) return;
    this.announced = now;
    for (const w of [...this.watchers]) w();
  }
}
