// `trireme txn --file F`: KV.Txn from the JSON form in txn-file.ts.
import type { etcdserverpb } from "../../gen/etcd.js";
import { parse, UsageError, type Command } from "../usage.ts";
import { COMMON_FLAGS, COMMON_HELP, parseEndpoints, parseTimeout, readInput, withClient } from "./common.ts";
import { kvLines, toJson, txnJson } from "./format.ts";
import { parseTxn, TXN_FORMAT_HELP, TxnFormatError } from "./txn-file.ts";

const usage = `Usage: trireme txn --file F [flags]
       trireme txn F            (F "-": read the transaction from stdin)

Runs one transaction: if every comparison holds, the "success" operations, else the "failure"
ones, atomically at one revision. Prints SUCCESS or FAILURE, then each operation's answer
after a blank line, as etcdctl does (put: OK; get: key and value lines; del: the count).

${TXN_FORMAT_HELP}

Flags:
  --file F          the transaction file ("-": stdin)

${COMMON_HELP}`;

/** etcdctl's simple txn printer, recursing into nested transactions. */
export function txnLines(res: etcdserverpb.TxnResponse.$Properties): string[] {
  const lines = [res.succeeded ? "SUCCESS" : "FAILURE"];
  for (const op of res.responses ?? []) {
    lines.push("");
    if (op.responsePut) lines.push("OK", ...kvLines(op.responsePut.prevKv ? [op.responsePut.prevKv] : []));
    else if (op.responseRange) lines.push(...kvLines(op.responseRange.kvs));
    else if (op.responseDeleteRange) lines.push(String(op.responseDeleteRange.deleted ?? 0), ...kvLines(op.responseDeleteRange.prevKvs));
    else if (op.responseTxn) lines.push(...txnLines(op.responseTxn));
  }
  return lines;
}

export const txnCommand: Command = {
  name: "txn",
  summary: "compare-and-swap transaction from JSON (etcd KV.Txn)",
  usage,
  async run(argv) {
    const { values, positionals } = parse(argv, { ...COMMON_FLAGS, file: { type: "string" } }, usage, true);
    if (positionals.length > 1 || (positionals.length === 1) === (values.file !== undefined)) {
      throw new UsageError("expected the transaction as --file F or one argument F (\"-\" for stdin)", usage);
    }
    const file = values.file ?? positionals[0];
    // Bad flags are reported before stdin is read.
    parseEndpoints(values.endpoints, usage);
    parseTimeout(values.timeout, usage);
    let text: string;
    try {
      text = new TextDecoder().decode(await readInput(file));
    } catch (err) {
      console.error(`Error: cannot read the transaction from ${file === "-" ? "stdin" : file}: ${(err as Error).message}`);
      return 1;
    }
    let req;
    try {
      req = parseTxn(text);
    } catch (err) {
      if (err instanceof TxnFormatError) throw new UsageError(`${file === "-" ? "stdin" : file}: ${err.message}`, usage);
      throw err;
    }
    return withClient(values, usage, async ({ client, json, out }) => {
      const res = await client.call("txn", req);
      out(json ? toJson(txnJson(res)) : txnLines(res).join("\n"));
      return 0;
    });
  },
};
