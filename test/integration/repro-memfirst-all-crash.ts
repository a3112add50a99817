// Reproducer for FINDINGS.md 2 (not a test file): SIGKILL every member of a MemFirst cluster
// during writes, restart them, write again, and compare what each member serves. Repeats the
// scenario until the members disagree or a member stops, or --rounds runs out.
//
//   node_modules/.bin/bun test/integration/repro-memfirst-all-crash.ts [--rounds 5]
import { parseArgs } from "node:util";
import { etcd3Client, etcdctl, TestCluster, unb64, waitUntil } from "./harness.ts";

const { values } = parseArgs({ options: { rounds: { type: "string", default: "5" } } });
const rounds = Number(values.rounds);

async function served(c: TestCluster, id: number): Promise<string> {
  const r = await etcdctl(c.endpoint(id), ["get", "", "--prefix", "--consistency=s", "-w", "json"]);
  if (r.code !== 0) return `error: ${r.stderr.trim().split("\n").pop()}`;
  const j = JSON.parse(r.stdout) as { header: { revision: number }; kvs?: { key: string }[] };
  const keys = (j.kvs ?? []).map((kv) => unb64(kv.key));
  return `${keys.length} keys (after/*: ${keys.filter((k) => k.startsWith("after/")).length}), revision ${j.header.revision}`;
}

let diverged = false;
for (let round = 1; round <= rounds && !diverged; round++) {
  const c = TestCluster.start({ basePort: 24650, strategy: "mem" });
  try {
    const { leader } = await c.waitForLeader(20_000);
    const client = etcd3Client(c.endpoint(leader));
    let n = 0;
    let stop = false;
    const loops = Promise.all([0, 1, 2, 3].map(async (w) => {
      for (let i = 0; !stop; i++) {
        try {
          await client.put(`k/${w}/${i}`).value("v");
          n++;
        } catch {
          return;
        }
      }
    }));
    await waitUntil("300 writes", 20_000, () => (n >= 300 ? true : undefined));
    await Promise.all(c.ids.map((id) => c.kill(id)));
    stop = true;
    await loops;
    client.close();
    for (const id of c.ids) c.startMember(id);
    const next = await c.waitForLeader(20_000);
    let failed = 0;
    for (let i = 0; i < 40; i++) if ((await etcdctl(c.endpoints(), ["put", `after/${i}`, "x"])).code !== 0) failed++;
    // Give followers a bounded chance to catch up before comparing.
    const leaderApplied = (await c.status(next.leader)).raftAppliedIndex;
    await waitUntil("every member to apply the leader's index", 5000, async () => {
      const s = await Promise.all(c.running().map((id) => c.status(id)));
      return s.every((x) => x.raftAppliedIndex >= leaderApplied) ? true : undefined;
    }).catch(() => {});
    const views = await Promise.all(c.ids.map(async (id) => (c.isRunning(id) ? await served(c, id) : "NOT RUNNING")));
    diverged = new Set(views).size > 1 || failed > 0;
    console.log(`round ${round}: old leader ${leader}, new leader ${next.leader}, ${failed}/40 puts failed`);
    for (const [i, v] of views.entries()) console.log(`  member ${c.ids[i]}: ${v}`);
    for (const id of c.ids) {
      for (const l of c.lines(id)) {
        const level = l.json?.level;
        if (l.run === 2 && (level === "error" || String(l.json?.msg).startsWith("the state machine is ahead"))) console.log(`  ${id}: ${l.raw.slice(0, 300)}`);
      }
    }
  } finally {
    await c.destroy();
  }
}
console.log(diverged ? "REPRODUCED: members disagree, a member stopped, or puts failed" : `not reproduced in ${rounds} rounds`);
process.exit(diverged ? 1 : 0);
