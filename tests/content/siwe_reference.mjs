// Independent SIWE reference for the tests: spruceid's `siwe` 3.0.0 (its ABNF parser is
// @spruceid/siwe-parser) with ethers 6, both pinned in package.json and run offline from node_modules.
//
// Usage: node siwe_reference.mjs < request.json  -> one JSON object on stdout.
// request: {
//   "write": [{"fields": {domain, statement, uri, chainId, nonce, issuedAt, ...}, "key": "0x<32 bytes>"}],
//   "parse": [{"text": "...", "signature": "0x..." | null, "time": "<RFC 3339>" | null}]
// }
// answer: {
//   "written": [{"text", "address", "signature" (65 bytes), "compact" (EIP-2098, 64 bytes)} | {"error"}],
//   "parsed":  [{"ok": true, "fields": {...}, "reprinted": text === the reference's own rewrite,
//                "signer": address ethers recovers | null, "verified": SiweMessage.verify succeeded | null}
//              | {"ok": false, "error": "..."}]
// }
// "address" in "fields" of a write comes from the key. Absent fields are null in "fields".
import { readFileSync, writeSync } from 'node:fs'
import siwe from 'siwe'
import { Signature, Wallet, verifyMessage } from 'ethers'

const { SiweMessage } = siwe
const FIELDS = ['scheme', 'domain', 'address', 'statement', 'uri', 'version', 'chainId', 'nonce',
  'issuedAt', 'expirationTime', 'notBefore', 'requestId', 'resources']

const request = JSON.parse(readFileSync(0, 'utf8'))

function fieldsOf (message) {
  const out = {}
  for (const name of FIELDS) out[name] = message[name] === undefined ? null : message[name]
  return out
}

function errorText (e) {
  return String(e && e.message ? e.message : e).slice(0, 500)
}

const written = []
for (const { fields, key } of request.write ?? []) {
  try {
    const wallet = new Wallet(key)
    const given = { version: '1', ...fields, address: wallet.address }
    for (const name of Object.keys(given)) if (given[name] === null) delete given[name]
    const text = new SiweMessage(given).prepareMessage()
    const signature = await wallet.signMessage(text)
    written.push({ text, address: wallet.address, signature, compact: Signature.from(signature).compactSerialized })
  } catch (e) {
    written.push({ error: errorText(e) })
  }
}

const parsed = []
for (const { text, signature, time } of request.parse ?? []) {
  let message
  try {
    message = new SiweMessage(text)
  } catch (e) {
    parsed.push({ ok: false, error: errorText(e) })
    continue
  }
  const entry = { ok: true, fields: fieldsOf(message), reprinted: message.prepareMessage() === text, signer: null, verified: null }
  if (signature) {
    try {
      entry.signer = verifyMessage(text, signature)
    } catch (e) {
      entry.signer = null
    }
    const result = await message.verify({ signature, ...(time ? { time } : {}) }, { suppressExceptions: true })
    entry.verified = result.success
    if (!result.success) entry.verifyError = errorText(result.error)
  }
  parsed.push(entry)
}

// fs.writeSync, not process.stdout.write: the latter can be cut short on a pipe.
writeSync(1, JSON.stringify({ written, parsed }) + '\n')
