// `[cluster] initial_state`: etcd's --initial-cluster-state, "new" (the default) or "existing".
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ConfigError, parseConfig } from "../../src/config/load.ts";
import { presetConfig } from "../../src/config/presets.ts";
import { renderConfig } from "../../src/config/render.ts";

const FILE = "/srv/trireme/n4.toml";

describe("cluster.initial_state", () => {
  test('defaults to "new"', () => {
    assert.equal(parseConfig("", FILE).cluster.initial_state, "new");
  });

  test('"new" and "existing" are accepted', () => {
    for (const v of ["new", "existing"]) {
      assert.equal(parseConfig(`[cluster]\ninitial_state = "${v}"\n`, FILE).cluster.initial_state, v);
    }
  });

  test("anything else is refused, naming the file, the key and the choices", () => {
    for (const [text, got] of [
      ['[cluster]\ninitial_state = "exisitng"\n', '"exisitng"'],
      ["[cluster]\ninitial_state = true\n", "true (a boolean)"],
      ['[cluster]\ninitial_state = "New"\n', '"New"'],
    ] as const) {
      assert.throws(() => parseConfig(text, FILE), (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.equal(err.problems.length, 1, err.message);
        const p = err.problems[0]!;
        assert.equal(p.file, FILE);
        assert.equal(p.key, "cluster.initial_state");
        assert.equal(p.got, got);
        assert.match(p.expected, /one of "new", "existing"/);
        return true;
      });
    }
  });

  test("init's presets write it, and the file loads back with it", () => {
    const members = [1, 2, 3, 4].map((id) => ({ id, host: "127.0.0.1", basePort: 2379 + 10 * id }));
    const { config, reasons } = presetConfig({ deployment: "cloud-3", network: "lan", members, nodeId: 4, initialState: "existing" });
    const text = renderConfig(config, { reasons });
    assert.match(text, /^initial_state = "existing"$/m);
    assert.equal(parseConfig(text, FILE).cluster.initial_state, "existing");
    const plain = presetConfig({ deployment: "cloud-3", network: "lan", members, nodeId: 1 });
    assert.equal(parseConfig(renderConfig(plain.config), FILE).cluster.initial_state, "new");
  });
});
