// The gateway's JSON names against etcd's .proto files: every field name with an underscore is
// in the table (so a response never shows a protobufjs name where etcd shows the .proto one),
// and multi-object bodies split as grpc-gateway reads a stream of requests.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { camelCase, jsonValues, origName, PROTO_NAMES_WITH_UNDERSCORE, splitJson } from "../../src/api/gateway-json.ts";

const PROTO_DIR = join(import.meta.dir, "../../proto/etcd");

function protoFields(): Map<string, Set<string>> {
  const fields = new Map<string, Set<string>>();
  for (const f of readdirSync(PROTO_DIR).filter((n) => n.endsWith(".proto") && n !== "internal.proto")) {
    let message = "";
    for (const line of readFileSync(join(PROTO_DIR, f), "utf8").split("\n")) {
      const m = /^\s*message\s+(\w+)/.exec(line);
      if (m) message = m[1]!;
      const field = /^\s*(?:repeated\s+)?[\w.]+\s+(\w+)\s*=\s*\d+/.exec(line);
      if (field && message) {
        const set = fields.get(field[1]!) ?? new Set<string>();
        set.add(message);
        fields.set(field[1]!, set);
      }
    }
  }
  return fields;
}

describe("gateway JSON names", () => {
  it("maps every snake_case field of the client API's .proto back to its name", () => {
    const fields = protoFields();
    const snake = [...fields.keys()].filter((n) => n.includes("_"));
    assert.ok(snake.length > 20, "the .proto files were read");
    for (const n of snake) {
      const inHeader = fields.get(n)!.has("ResponseHeader");
      assert.equal(origName(camelCase(n), inHeader), n, `${n} (in ${[...fields.get(n)!].join(", ")})`);
      assert.ok(PROTO_NAMES_WITH_UNDERSCORE.includes(n), n);
    }
    // A camelCase .proto name is its own JSON name (StatusResponse.raftTerm, Member.peerURLs).
    for (const n of [...fields.keys()].filter((x) => !x.includes("_"))) assert.equal(origName(n), n);
  });

  it("splits a body of several JSON objects, strings with braces and escapes included", () => {
    assert.deepEqual(jsonValues(""), []);
    assert.deepEqual(jsonValues('{"a":1}'), [{ a: 1 }]);
    assert.deepEqual(jsonValues('{"a":"}{\\""}\n {"b":[1,{"c":2}]}{"d":3}'), [{ a: '}{"' }, { b: [1, { c: 2 }] }, { d: 3 }]);
    assert.throws(() => jsonValues('{"a":'), /unexpected EOF/);
    assert.throws(() => jsonValues("{nope}"), SyntaxError);
    assert.throws(() => jsonValues("}"), /invalid character/);
    assert.deepEqual(splitJson('{"a":1}\n{"b":'), { values: [{ a: 1 }], rest: '{"b":' });
    assert.deepEqual(splitJson('{"a":1} 12'), { values: [{ a: 1 }], rest: "12" });
  });
});
