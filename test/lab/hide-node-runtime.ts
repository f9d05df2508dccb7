// A lab shape: a node without Node.js. The nodes share the host's file system, so the runtime
// is hidden inside one node only: /dev/null bind-mounted over /usr/bin/node in that node's own
// mount namespace (made with --propagation private, so nothing reaches the host or other
// nodes). The returned undo unmounts it. Checked both ways before returning.
import { run } from './run'
import { nodeExec, type LabNode } from './lab'

const NODE_BIN = '/usr/bin/node'

export async function hideNodeRuntime(node: LabNode): Promise<() => Promise<void>> {
  const undo = async (): Promise<void> => {
    // Unmount every layer (a crashed run may have left one), bounded.
    for (let i = 0; i < 5; i++) if ((await nodeExec(node, ['umount', NODE_BIN])).code !== 0) break
  }
  await undo()
  const r = await nodeExec(node, ['mount', '--bind', '/dev/null', NODE_BIN])
  if (r.code !== 0) throw new Error(`hiding ${NODE_BIN} in ${node.name} failed: ${r.stderr.trim()}`)
  const host = await run([NODE_BIN, '--version'])
  if (host.code !== 0) {
    await undo()
    throw new Error(`hiding Node.js in ${node.name} reached the host (its ${NODE_BIN} stopped working): undone; check the lab's mount propagation`)
  }
  const inside = await nodeExec(node, ['sh', '-c', 'node --version'])
  if (inside.code === 0) {
    await undo()
    throw new Error(`${node.name} still runs node (${inside.stdout.trim()}) after hiding ${NODE_BIN}: another node binary is on its PATH`)
  }
  return undo
}
