// Where things live on a Windows node (the Windows half of node-deployer.ts's layout):
//   C:\Program Files\HAVIP\releases\<release>\havip-agent.cjs + prebuilds\win32-x64\*.node + SHA256SUMS (last: a release is complete once it is there)
//   C:\Program Files\HAVIP\runtime\node-v<x.y.z>\node.exe   only when we uploaded it (the node had no usable Node.js);
//                                                versioned, so a new one never overwrites the node.exe a running service holds
//   C:\Program Files\HAVIP\service\havip-agent.exe + havip-agent.xml   WinSW and its definition (which node.exe, which release)
//   C:\Program Files\HAVIP\current.json          the current release and Node.js, replaced atomically
//   C:\ProgramData\HAVIP\cluster.json, agent.json, control.token, logs\   ACL: SYSTEM + Administrators only
// The deploy scripts (platform/windows/deploy-scripts.ts) have the two roots written in; a unit
// test checks they agree with these constants.
//
// Why a pointer file and not a directory junction for "current": a junction cannot be replaced
// in one step on Windows (MoveFileEx with MOVEFILE_REPLACE_EXISTING refuses directories), so a
// swap is delete-then-create, with a moment where the path is missing or dangling. A file is
// replaced in one NTFS operation (ReplaceFile, what the 'place-file' script uses), so both
// current.json and the service definition (havip-agent.xml, which names the release's paths)
// switch atomically; the service picks the new release up at its next start, as on Linux.
export const WIN_ROOT = 'C:\\Program Files\\HAVIP'
export const WIN_RELEASES = `${WIN_ROOT}\\releases`
export const WIN_RUNTIMES = `${WIN_ROOT}\\runtime`
export const runtimeDirName = (version: string): string => `node-v${version}`
export const runtimeNode = (version: string): string => `${WIN_RUNTIMES}\\${runtimeDirName(version)}\\node.exe`
export const WIN_SERVICE_DIR = `${WIN_ROOT}\\service`
export const WIN_WRAPPER = `${WIN_SERVICE_DIR}\\havip-agent.exe`
export const WIN_SERVICE_XML = `${WIN_SERVICE_DIR}\\havip-agent.xml`
export const WIN_CURRENT = `${WIN_ROOT}\\current.json`

export const WIN_DATA = 'C:\\ProgramData\\HAVIP'
export const WIN_CLUSTER_JSON = `${WIN_DATA}\\cluster.json`
export const WIN_AGENT_JSON = `${WIN_DATA}\\agent.json`
export const WIN_LOGS = `${WIN_DATA}\\logs`

export const WIN_SERVICE_NAME = 'havip-agent'
export const WIN_PREBUILD_PLATFORM = 'win32-x64'

export const releaseDir = (release: string): string => `${WIN_RELEASES}\\${release}`
export const releaseAgent = (release: string): string => `${releaseDir(release)}\\havip-agent.cjs`

/** current.json: what runs (the release and the Node.js), and whether that Node.js is ours. */
export interface WindowsCurrent {
  release: string
  node: string
  runtime: 'system' | 'uploaded'
  installedAt: string
}

export function parseCurrent(text: string | null | undefined): WindowsCurrent | null {
  if (!text) return null
  try {
    const v = JSON.parse(text.replace(/^\uFEFF/, '')) as Partial<WindowsCurrent>
    if (typeof v.release !== 'string' || typeof v.node !== 'string') return null
    return { release: v.release, node: v.node, runtime: v.runtime === 'uploaded' ? 'uploaded' : 'system', installedAt: String(v.installedAt ?? '') }
  } catch {
    return null
  }
}

const xml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;')

/**
 * The WinSW 1.x service definition (github.com/winsw/winsw/blob/v2.12.0/doc/xmlConfigFile.md, the
 * elements 1.17 knows): node.exe runs the release's agent in the foreground; WinSW is the
 * service binary the Service Control Manager talks to, keeps stdout/stderr in logs\ (rolled by
 * size), and sets the SCM failure actions from <onfailure>: restart after 5 s, then 30 s, the
 * count reset after an hour without failure.
 */
export function serviceXml(nodeExe: string, release: string): string {
  const args = `"${releaseAgent(release)}" run --config "${WIN_AGENT_JSON}"`
  return [
    '<service>',
    `  <id>${WIN_SERVICE_NAME}</id>`,
    '  <name>HAVIP agent</name>',
    "  <description>HAVIP Manager's VRRP agent: holds this node's virtual IPs. Installed and removed by HAVIP Manager.</description>",
    `  <executable>${xml(nodeExe)}</executable>`,
    `  <arguments>${xml(args)}</arguments>`,
    '  <startmode>Automatic</startmode>',
    '  <stoptimeout>15 sec</stoptimeout>',
    `  <logpath>${xml(WIN_LOGS)}</logpath>`,
    '  <log mode="roll-by-size"><sizeThreshold>10240</sizeThreshold><keepFiles>5</keepFiles></log>',
    '  <onfailure action="restart" delay="5 sec"/>',
    '  <onfailure action="restart" delay="30 sec"/>',
    '  <resetfailure>1 hour</resetfailure>',
    '</service>',
    ''
  ].join('\r\n')
}
