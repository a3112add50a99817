// Maintenance.Alarm (`etcdctl alarm list`, `etcdctl alarm disarm`): ACTIVATE and DEACTIVATE are
// replicated writes (an InternalRequest.alarm entry, applied by every member: kv/alarms.ts); GET
// answers the applied list after a ReadIndex barrier, which is what etcd's GET through Raft
// amounts to without a log entry per query.
import type { etcdserverpb } from "../gen/etcd.js";
import { AlarmAction, AlarmType } from "../kv/alarms.ts";
import { EtcdError, StatusCode } from "../kv/errors.ts";
import type { KvBackend } from "./backend.ts";

type Header = (revision: number) => etcdserverpb.ResponseHeader.$Properties;

export async function alarm(
  backend: KvBackend,
  header: Header,
  req: etcdserverpb.AlarmRequest.$Properties,
): Promise<etcdserverpb.AlarmResponse.$Properties> {
  const action = req.action ?? AlarmAction.GET;
  const type = (req.alarm ?? AlarmType.NONE) as number;
  if (action === AlarmAction.GET) {
    await backend.readBarrier();
    const alarms = backend.store.alarms().filter((a) => type === AlarmType.NONE || a.alarm === type);
    return { header: header(backend.store.revision), alarms: alarms.map((a) => ({ ...a })) };
  }
  if (action !== AlarmAction.ACTIVATE && action !== AlarmAction.DEACTIVATE) {
    throw new EtcdError(StatusCode.INVALID_ARGUMENT, `trireme: unknown alarm action ${action} (expected GET, ACTIVATE or DEACTIVATE)`);
  }
  const r = await backend.write({ alarm: { action, memberID: req.memberID ?? 0, alarm: type } });
  if (r.op !== "alarm") throw new Error(`backend answered an alarm request with a ${r.op} response`);
  return { header: header(r.alarm.header.revision), alarms: r.alarm.alarms };
}
