// Lab shapes for validation tests: small, reversible changes to one node (or the client) that
// make one validation test fail for a real reason. Each `apply` returns its undo; undo is
// idempotent and also runs when the test fails (call it from afterEach/finally).
//
//  - dropVrrpWithNft(node):    an nftables table in the node's network namespace that drops IP
//                              protocol 112 on input (what system.firewall-vrrp must find; or
//                              only multicast VRRP); vrrpDropped(node) reads its counter
//  - holdAddressOnClient(ip):  the client namespace answers ARP for `ip` (a VIP already in use)
//  - hideNodeJs(node):         /dev/null bind-mounted over /usr/bin/node in the node's own mount
//                              namespace, so `node --version` fails there (a node without Node.js)
//  - revokeSudo(node):         an empty file bind-mounted over the lab's sudoers file in the node's
//                              mount namespace: the sudo user has no sudo at all on that node
// Nodes have private mount namespaces (sshd.ts: unshare --propagation private), so the bind
// mounts never reach the host or the other nodes.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { clientExec, nodeExec } from './exec'
import type { RunResult } from './run'
import { SUDOERS_FILE, type LabNode } from './types'

export type Undo = () => Promise<void>

const SHAPE_TABLE = 'havip_shape_fw'
/** The node binary the lab's nodes share with the host (Debian's nodejs). */
export const NODE_BINARY = '/usr/bin/node'

function must(r: RunResult, what: string): RunResult {
  if (r.code !== 0) throw new Error(`lab shape: ${what} failed (exit ${r.code}): ${r.stderr.trim()}`)
  return r
}

/** `multicastOnly`: drop only VRRP to 224.0.0.18, as a cloud VPC that does not deliver multicast. */
export async function dropVrrpWithNft(node: LabNode | string, o: { multicastOnly?: boolean } = {}): Promise<Undo> {
  const undo: Undo = async () => {
    await nodeExec(node, ['nft', 'delete', 'table', 'inet', SHAPE_TABLE])
  }
  await undo() // a leftover of an aborted run
  const rules = [
    `table inet ${SHAPE_TABLE} {`,
    '  chain input {',
    '    type filter hook input priority filter; policy accept;',
    `    ${o.multicastOnly ? 'ip daddr 224.0.0.18 ' : ''}ip protocol vrrp counter drop`,
    '  }',
    '}',
    ''
  ].join('\n')
  must(await nodeExec(node, ['nft', '-f', '-'], { input: rules }), 'loading the nft table that drops VRRP')
  return undo
}

/** Packets dropVrrpWithNft's rule dropped so far (proves the rule, not something else, stopped them). */
export async function vrrpDropped(node: LabNode | string): Promise<number> {
  const r = await nodeExec(node, ['nft', 'list', 'table', 'inet', SHAPE_TABLE])
  return Number(/counter packets (\d+)/.exec(r.stdout)?.[1] ?? 0)
}

export async function holdAddressOnClient(address: string, prefix = 24): Promise<Undo> {
  const undo: Undo = async () => {
    await clientExec(['ip', 'addr', 'del', `${address}/${prefix}`, 'dev', 'eth0'])
  }
  await undo()
  must(await clientExec(['ip', 'addr', 'add', `${address}/${prefix}`, 'dev', 'eth0']), `adding ${address} to the client`)
  return undo
}

/** How many mounts are stacked on `target` in the node's mount namespace. */
async function mountDepth(node: LabNode | string, target: string): Promise<number> {
  const r = await nodeExec(node, ['findmnt', '-n', '-o', 'TARGET', '--mountpoint', target])
  return r.code === 0 ? r.stdout.split('\n').filter((l) => l.trim() !== '').length : 0
}

async function bindOver(node: LabNode | string, source: string, target: string, what: string): Promise<Undo> {
  // Undo pops only what this shape stacked: the lab's own mounts under it (sshd.ts binds a quiet
  // /root/.bashrc, for one) stay, so a later test never runs on a node the lab did not build.
  const before = await mountDepth(node, target)
  must(await nodeExec(node, ['mount', '--bind', source, target]), what)
  return async () => {
    for (let i = 0; i < 5 && (await mountDepth(node, target)) > before; i++) await nodeExec(node, ['umount', target])
  }
}

export async function hideNodeJs(node: LabNode | string): Promise<Undo> {
  return bindOver(node, '/dev/null', NODE_BINARY, `hiding ${NODE_BINARY}`)
}

export async function revokeSudo(node: LabNode | string): Promise<Undo> {
  const dir = mkdtempSync(join(tmpdir(), 'havip-shape-'))
  const empty = join(dir, 'sudoers-empty')
  writeFileSync(empty, '', { mode: 0o440 })
  const unbind = await bindOver(node, empty, SUDOERS_FILE, `shadowing ${SUDOERS_FILE}`)
  return async () => {
    await unbind()
    rmSync(dir, { recursive: true, force: true })
  }
}
