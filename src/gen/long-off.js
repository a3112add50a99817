// Imported by every generated module before its own body runs: protobufjs must not use `Long`,
// so terms, indexes and revisions decode to plain JS numbers (DESIGN.md). Prototype defaults are
// computed when a generated module loads, so this has to run first.
import $protobuf from "protobufjs/minimal.js";
$protobuf.util.Long = undefined;
$protobuf.configure();
export {};
