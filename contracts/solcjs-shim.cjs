#!/usr/bin/env node
// A `solc`-compatible front for solc-js (the npm package `solc`), so py-solc-x can drive it where
// no native solc can be downloaded. It answers the two calls py-solc-x makes:
//   solcjs-shim.cjs --version          -> "Version: <long version>" like native solc
//   solcjs-shim.cjs --standard-json    -> Standard JSON in on stdin, Standard JSON out on stdout
// Every other flag py-solc-x may add (--allow-paths, --base-path) is accepted and ignored: sources
// are passed inline by contracts/build.py, so the compiler never reads the filesystem.
// Output goes through fs.writeSync(1, ...) because process.exit() right after
// process.stdout.write() truncates a piped write at 64 KiB.
'use strict';
const fs = require('fs');
const path = require('path');

function loadSolc() {
  // Resolve from the repository's node_modules regardless of the caller's working directory.
  const root = path.resolve(__dirname, '..');
  return require(require.resolve('solc', { paths: [root] }));
}

function main(argv) {
  if (argv.includes('--version')) {
    const solc = loadSolc();
    fs.writeSync(1, 'solc, the solidity compiler commandline interface\nVersion: ' + solc.version() + '\n');
    return 0;
  }
  if (argv.includes('--standard-json')) {
    const input = fs.readFileSync(0, 'utf8');
    const solc = loadSolc();
    // solc-js may print notes (for example that no SMT solver is present) through console.log;
    // send them to stderr so stdout stays one clean JSON document.
    console.log = (...args) => console.error(...args);
    const output = solc.compile(input);
    fs.writeSync(1, output);
    return 0;
  }
  fs.writeSync(2, 'solcjs-shim: only --version and --standard-json are supported\n');
  return 2;
}

process.exitCode = main(process.argv.slice(2));
