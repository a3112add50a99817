// Mutation check: copies src/raft and the node's Ready loop (src/node/ready-loop.ts and the module
// it imports beside it) to a temp dir, breaks one rule with a text replacement in the core or in
// the loop, and runs the simulator's CI seeds against the copy until a run fails. src/ itself is
// never touched.
//
//   node_modules/.bin/bun test/raft/sim/mutate.ts [--max-runs 2000] [--only NAME] [--all]
//
// Without --all it stops at the first failing run (runs until caught); with --all it runs every
// seed and counts the failing runs per invariant (a steadier measure of sensitivity).

import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { loadCore } from "./core.ts";
import type { Strategy } from "./params.ts";
import { runSeed } from "./run.ts";

interface Mutation {
  name: string;
  /** The shell's Ready loop rather than the core (the default). */
  shell?: true;
  /** Each `from` must occur exactly once in the mutated sources (whichever file holds it). */
  edits: Array<{ from: string; to: string }>;
}

const DURABLE_ACK_ASSERTION = `        check(m.index <= this.log.durableIndex, "no acknowledgement before durable", () => \`AppResp to \${m.to} acknowledges \${m.index}, durable is \${this.log.durableIndex}\`);\n`;
const REPORT_APPENDED_DURABLE = {
  from: "const wait = this.log.append(entries);",
  to: "const wait = this.log.append(entries);\n    this.core.reportDurable(entries[entries.length - 1].index);",
};

const MUTATIONS: Mutation[] = [
  {
    name: "grant votes without the up-to-date check",
    edits: [{ from: "if (canVote && r.log.isUpToDate(m.index, m.logTerm)) {", to: "if (canVote) {" }],
  },
  {
    name: "commit a previous-term entry by counting",
    edits: [{ from: "if (index <= r.log.committed || r.log.term(index) !== r.term) return false;", to: "if (index <= r.log.committed) return false;" }],
  },
  {
    name: "forget to persist the vote (hard state written with vote 0)",
    edits: [{ from: "rd.hardState = { ...r.prevHard };", to: "rd.hardState = { term: r.prevHard.term, vote: 0 };" }],
  },
  {
    name: "follower acknowledges before durable under DiskFirst",
    edits: [{ from: 'if (r.cfg.countPolicy === "appended" || index <= r.log.durable) {', to: "if (true) {" }],
  },
  {
    name: "stale append answered with the commit index, not clamped to durable",
    edits: [
      {
        from: "r.log.assertAgreesUpToCommit(m.index, m.logTerm, m.entries);\n    acknowledge(r, m.from, r.log.committed);",
        to: "r.log.assertAgreesUpToCommit(m.index, m.logTerm, m.entries);\n    r.send({ ...emptyMessage(MessageType.AppResp, r.id, m.from, r.term), index: r.log.committed });",
      },
    ],
  },
  {
    name: "ReadIndex answered without a heartbeat round (no leadership check)",
    edits: [{ from: "} else if (r.cfg.leaseRead && leaseValid(r)) {", to: "} else if (true) {" }],
  },
  {
    name: "ReadIndex answered before the leader committed an entry of its term",
    edits: [{ from: "if (!r.committedOwnTerm()) {", to: "if (false) {" }],
  },
  {
    name: "lease reads trust a lease 3x the election timeout",
    edits: [{ from: "return r.ticks - t < r.cfg.electionTicks - 1;", to: "return r.ticks - t < 3 * r.cfg.electionTicks;" }],
  },
  {
    name: "heartbeat commit not clamped (leader side only)",
    edits: [{ from: "commit: Math.min(this.log.committed, pr.match),", to: "commit: this.log.committed," }],
  },
  {
    name: "heartbeat commit not clamped (leader and follower side)",
    edits: [
      { from: "commit: Math.min(this.log.committed, pr.match),", to: "commit: this.log.committed," },
      {
        from: "r.log.commitTo(Math.min(m.commit, r.leaderMatched));",
        to: "r.log.commitTo(Math.min(m.commit, r.log.lastIndex()));",
      },
    ],
  },
  {
    name: "shell: acknowledge before durable (appended entries reported durable at once)",
    shell: true,
    edits: [REPORT_APPENDED_DURABLE],
  },
  {
    name: "shell: acknowledge before durable, with the loop's own assertion removed",
    shell: true,
    edits: [REPORT_APPENDED_DURABLE, { from: DURABLE_ACK_ASSERTION, to: "" }],
  },
  {
    name: "shell: apply before persist (committed entries applied before the Ready's append and hard state)",
    shell: true,
    edits: [
      { from: "    if (rd.entries.length > 0) steps.push(() => this.append(rd.entries));", to: "    if (rd.committedEntries.length > 0) steps.push(() => this.apply(rd.committedEntries));\n    if (rd.entries.length > 0) steps.push(() => this.append(rd.entries));" },
      { from: "      steps.push(() => this.apply(committed));\n", to: "" },
    ],
  },
  {
    name: "shell: send before the hard state is saved (a vote leaves before it is durable)",
    shell: true,
    edits: [
      {
        from: "    if (hs) steps.push(() => this.o.hardState.save(hs));\n    steps.push(() => this.send(rd.messages));",
        to: "    steps.push(() => this.send(rd.messages));\n    if (hs) steps.push(() => this.o.hardState.save(hs));",
      },
    ],
  },
  {
    name: "shell: a conf change applied before it is durable (MemFirst)",
    shell: true,
    edits: [{ from: "if (conf !== undefined && conf.index > durable) return this.log.sync();", to: "if (conf !== undefined && conf.index > durable) return;" }],
  },
  {
    name: "shell: entries past a suffix truncation applied before it is on disk (MemFirst)",
    edits: [{ from: "if (this.truncatedFrom !== undefined && last >= this.truncatedFrom) return this.log.sync();", to: "if (this.truncatedFrom !== undefined && last >= this.truncatedFrom) return;" }],
    shell: true,
  },
  {
    name: "lazy ticks: a follower's ticks until its election timeout overstated by one",
    edits: [{ from: "return Math.max(1, r.randomizedElectionTimeout - r.electionElapsed);", to: "return Math.max(1, r.randomizedElectionTimeout - r.electionElapsed + 1);" }],
  },
  {
    name: "lazy ticks: a leader's ticks until its next heartbeat overstated by one",
    edits: [{ from: "return Math.max(1, Math.min(r.cfg.heartbeatTicks - r.heartbeatElapsed, r.cfg.electionTicks - r.electionElapsed));", to: "return Math.max(1, Math.min(1 + r.cfg.heartbeatTicks - r.heartbeatElapsed, r.cfg.electionTicks - r.electionElapsed));" }],
  },
  {
    name: "shell: advance before the Ready's hard state is durable (the loop does not wait)",
    shell: true,
    edits: [{ from: "    if (hs) steps.push(() => this.o.hardState.save(hs));", to: "    if (hs) steps.push(() => void this.o.hardState.save(hs));" }],
  },
];

const { values } = parseArgs({
  options: { "max-runs": { type: "string", default: "2000" }, only: { type: "string" }, all: { type: "boolean", default: false } },
});
const maxRuns = Number(values["max-runs"]);
const src = resolve(import.meta.dirname ?? ".", "../../../src");
/** The Ready loop's files in src/node: ready-loop.ts and what it imports from beside it. */
const LOOP_FILES = ["ready-loop.ts", "held-entries.ts"];

/** `root` holds raft/ (the core's copy) and node/ (the loop's: LOOP_FILES). */
function applyMutation(root: string, m: Mutation): void {
  const dir = join(root, m.shell ? "node" : "raft");
  const files = readdirSync(dir).filter((f) => f.endsWith(".ts"));
  for (const e of m.edits) {
    const hits = files.filter((f) => readFileSync(join(dir, f), "utf8").includes(e.from));
    const total = hits.reduce((n, f) => n + readFileSync(join(dir, f), "utf8").split(e.from).length - 1, 0);
    if (total !== 1) throw new Error(`mutation "${m.name}": expected the text once in ${m.shell ? "the loop" : "src/raft"}, found it ${total} times: ${e.from}`);
    const path = join(dir, hits[0]);
    writeFileSync(path, readFileSync(path, "utf8").split(e.from).join(e.to));
  }
}

const rows: string[] = [];
for (const m of MUTATIONS) {
  if (values.only !== undefined && !m.name.includes(values.only)) continue;
  const dir = mkdtempSync(join(tmpdir(), "trireme-mutant-"));
  try {
    cpSync(join(src, "raft"), join(dir, "raft"), { recursive: true });
    mkdirSync(join(dir, "node"));
    for (const f of LOOP_FILES) cpSync(join(src, "node", f), join(dir, "node", f));
    try {
      applyMutation(dir, m);
    } catch (err) {
      const row = `| ${m.name} | not applied: ${err instanceof Error ? err.message : String(err)} | - |`;
      rows.push(row);
      console.log(row);
      continue;
    }
    const core = await loadCore(join(dir, "raft"));
    let runs = 0;
    let failed = 0;
    let first = "";
    const invariants = new Map<string, number>();
    const began = performance.now();
    outer: for (let seed = 1; runs < maxRuns; seed++) {
      for (const strategy of ["disk", "mem"] as Strategy[]) {
        runs++;
        const r = runSeed(seed, { strategy, voters: seed % 2 === 0 ? 3 : 5 }, core);
        if (r.violation !== undefined) {
          failed++;
          invariants.set(r.violation.invariant, (invariants.get(r.violation.invariant) ?? 0) + 1);
          if (first === "") first = `run ${runs} (seed ${seed} ${strategy}): ${r.violation.invariant}: ${r.violation.detail.slice(0, 140)}`;
          if (!values.all) break outer;
        }
        if (runs >= maxRuns) break;
      }
    }
    const secs = ((performance.now() - began) / 1000).toFixed(1);
    const by = [...invariants].map(([k, v]) => `${k} ${v}`).join(", ");
    const row = first === "" ? `| ${m.name} | not caught in ${runs} runs | - |` : values.all ? `| ${m.name} | ${failed} of ${runs} runs fail (${by}) | first: ${first} |` : `| ${m.name} | ${runs} | ${first} |`;
    rows.push(row);
    console.log(`${row}   (${secs} s)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
console.log(
  `\n| mutation | ${values.all ? "failing runs" : "runs until caught"} (CI order: seed 1 disk, seed 1 mem, seed 2 disk, ...) | first failing run and invariant |\n|---|---|---|`,
);
for (const r of rows) console.log(r);
