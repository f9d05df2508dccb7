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
//  - quietRootShell(node):    /dev/null bind-mounted over /root/.bashrc in the node's mount
//                              namespace. The lab's nodes share the host's /root, and Debian's bash
//                              sources ~/.bashrc for every command sshd runs: a developer's .bashrc
//                              (pyenv init: a rehash behind a lock file) then costs each root exec
//                              seconds and stalls parallel ones. Not a property of a node.
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

async function bindOver(node: LabNode | string, source: string, target: string, what: string): Promise<Undo> {
  const undo: Undo = async () => {
    // Unmount every stacked copy (an aborted run may have left one).
    for (let i = 0; i < 5; i++) {
      const r = await nodeExec(node, ['findmnt', '-n', '--mountpoint', target])
      if (r.code !== 0 || r.stdout.trim() === '') return
      await nodeExec(node, ['umount', target])
    }
  }
  await undo()
  must(await nodeExec(node, ['mount', '--bind', source, target]), what)
  return undo
}

export async function hideNodeJs(node: LabNode | string): Promise<Undo> {
  return bindOver(node, '/dev/null', NODE_BINARY, `hiding ${NODE_BINARY}`)
}

export const ROOT_BASHRC = '/root/.bashrc'

export async function quietRootShell(node: LabNode | string): Promise<Undo> {
  const r = await nodeExec(node, ['test', '-f', ROOT_BASHRC])
  if (r.code !== 0) return async () => {}
  return bindOver(node, '/dev/null', ROOT_BASHRC, `quieting ${ROOT_BASHRC}`)
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
