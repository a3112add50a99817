// The trace file format (etcd-io/raft's testdata/*.txt, datadriven style): blocks of one or more
// command lines, a `----` line, then the expected output up to the next blank line. Comment lines
// (#) and blank lines between blocks are kept as they are when the expectations are rewritten.
//
//   # the leader probes the follower
//   tick-heartbeat 1
//   process-ready 1
//   ----
//   > 1 handling Ready
//   ...
//
// Arguments: words (positional, or flags a command looks for by name), `key=value`, `key=(a,b,c)`.

export interface Command {
  name: string;
  /** Positional arguments after the name. */
  args: string[];
  /** key=value arguments; a list `(a,b)` is stored as "a,b". */
  opts: Map<string, string>;
  /** The line as written (for error messages and rewriting). */
  line: string;
  lineNo: number;
}

export interface Block {
  /** Comment and blank lines before the block, verbatim. */
  preamble: string[];
  commands: Command[];
  expected: string;
  lineNo: number;
}

export interface Script {
  blocks: Block[];
  /** Comment and blank lines after the last block. */
  trailer: string[];
}

export function parseCommand(line: string, lineNo: number): Command {
  const words = line.trim().split(/\s+/);
  const [name, ...rest] = words;
  const args: string[] = [];
  const opts = new Map<string, string>();
  for (const w of rest) {
    const eq = w.indexOf("=");
    if (eq < 0) {
      args.push(w);
      continue;
    }
    let v = w.slice(eq + 1);
    if (v.startsWith("(") && v.endsWith(")")) v = v.slice(1, -1);
    opts.set(w.slice(0, eq), v);
  }
  return { name, args, opts, line, lineNo };
}

export function hasFlag(cmd: Command, flag: string): boolean {
  return cmd.args.includes(flag);
}

export function parseScript(text: string, file: string): Script {
  const lines = text.split("\n");
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  const blocks: Block[] = [];
  let pending: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (line.trim() === "" || line.startsWith("#")) {
      pending.push(line);
      i++;
      continue;
    }
    const start = i + 1;
    const commands: Command[] = [];
    while (i < lines.length && lines[i] !== "----") {
      if (lines[i].trim() === "") throw new Error(`${file}:${i + 1}: blank line inside a command block: end the commands with ----`);
      if (lines[i].startsWith("#")) throw new Error(`${file}:${i + 1}: comment inside a command block: put it above the block`);
      commands.push(parseCommand(lines[i], i + 1));
      i++;
    }
    if (i >= lines.length) throw new Error(`${file}:${start}: command block without a ---- line`);
    i++; // ----
    const out: string[] = [];
    while (i < lines.length && lines[i].trim() !== "") out.push(lines[i++]);
    blocks.push({ preamble: pending, commands, expected: out.join("\n"), lineNo: start });
    pending = [];
  }
  return { blocks, trailer: pending };
}

/** The script with each block's expectation replaced by `actual[i]`. */
export function renderScript(script: Script, actual: string[]): string {
  const out: string[] = [];
  script.blocks.forEach((b, i) => {
    out.push(...b.preamble, ...b.commands.map((c) => c.line), "----", actual[i]);
  });
  out.push(...script.trailer);
  return out.join("\n") + "\n";
}
