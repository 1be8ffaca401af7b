// Starts the real Tiledesk server (installed from npm into a cache folder) for leadmock's
// conformance run. Usage: node launch-tiledesk.js <install dir> <port>; DATABASE_URI in the env.
//
// Three adjustments, none of them to the server's behaviour on leads or auth:
// - `sharp` is a native module whose binary cannot be fetched here; only image routes use it,
//   so it is replaced by a stub that throws when called.
// - optional connectors (WhatsApp, Messenger, voice...) call process.exit when their settings are
//   missing; those calls are ignored so that the server stays up. Any other exit still exits.
// - the server listens on 127.0.0.1 only, not on every interface as its bin/www does.
"use strict";
const http = require("node:http");
const path = require("node:path");
const Module = require("node:module");

const [installDir, port] = process.argv.slice(2);
if (!installDir || !port) {
  console.error("usage: node launch-tiledesk.js <install dir> <port>");
  process.exit(2);
}

const sharpStub = new Proxy(function sharp() {
  throw new Error("sharp is stubbed by leadmock's launcher: image routes are unavailable");
}, { get: (target, name) => (name in target ? target[name] : target) });

const load = Module._load;
Module._load = function (request, parent, isMain) {
  if (request === "sharp") return sharpStub;
  return load.call(this, request, parent, isMain);
};

const exit = process.exit.bind(process);
process.exit = function (code) {
  const stack = new Error().stack || "";
  if (/tiledesk-[a-z0-9-]*connector|tiledesk-[a-z0-9-]*proxy|jobworker/.test(stack)) {
    console.error(`[launcher] kept the server alive: a connector called process.exit(${code})`);
    return undefined;
  }
  return exit(code);
};

const app = require(path.join(path.resolve(installDir), "node_modules/@tiledesk/tiledesk-server/app"));
const server = http.createServer(app);
server.listen(Number(port), "127.0.0.1", () => {
  console.log(`[launcher] tiledesk-server listening on http://127.0.0.1:${server.address().port}`);
});
