// Independent CID reference for the tests: asks the npm package `ipfs-unixfs-importer` (the JS IPFS
// importer, a separate code base from ours) for the CID of each file, with kubo's `ipfs add` settings:
// 256 KiB fixed-size chunks, balanced DAG of at most 174 links per node, and either CIDv0 with
// dag-pb UnixFS leaves (kubo default) or CIDv1 with raw leaves (kubo `--cid-version 1`).
//
// Usage: node reference_cid.mjs <0|1> CHUNK_SIZE MAX_LINKS FILE...  -> one JSON array of CID strings.
// kubo's defaults are CHUNK_SIZE 262144 and MAX_LINKS 174; the tests also use tiny values to make
// DAGs three and four levels deep without gigabytes of input.
// Runs offline: everything comes from node_modules.
import { createReadStream } from 'node:fs'
import { writeSync } from 'node:fs'
import { importer } from 'ipfs-unixfs-importer'
import { MemoryBlockstore } from 'blockstore-core/memory'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { balanced } from 'ipfs-unixfs-importer/layout'

const [version, chunkSize, maxLinks, ...files] = process.argv.slice(2)
const cidVersion = Number(version)
if (cidVersion !== 0 && cidVersion !== 1) {
  throw new Error('first argument must be the CID version, 0 or 1')
}

const out = []
for (const path of files) {
  // A throwaway in-memory blockstore: only the root CID is kept.
  const blockstore = new MemoryBlockstore()
  let root = null
  const entries = importer([{ content: createReadStream(path, { highWaterMark: 1 << 20 }) }], blockstore, {
    profile: 'unixfs-v0-2015',
    cidVersion,
    rawLeaves: cidVersion === 1,
    chunker: fixedSize({ chunkSize: Number(chunkSize) }),
    layout: balanced({ maxChildrenPerNode: Number(maxLinks) })
  })
  for await (const entry of entries) root = entry.cid
  out.push(root.toString())
}
// fs.writeSync, not process.stdout.write: the latter can be cut short on a pipe.
writeSync(1, JSON.stringify(out) + '\n')
