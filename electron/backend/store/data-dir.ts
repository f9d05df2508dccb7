// Where HAVIP Manager keeps saved connections, pinned host keys, credentials, known clusters
// and reports. One answer for the desktop app, browser mode and the `havip` CLI, so a node
// trusted in one is trusted in the others (the "same data directory as the app").
import * as os from 'node:os'
import * as path from 'node:path'

export const DATA_DIR_NAME = 'havip-manager'

/** The per-user configuration directory of this platform, as Electron's appData uses it. */
export function appDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') return env.APPDATA || path.join(os.homedir(), 'AppData', 'Roaming')
  if (platform === 'darwin') return path.join(os.homedir(), 'Library', 'Application Support')
  return env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config')
}

/** `--data-dir` wins, then HAVIP_DATA_DIR, then `<appData>/havip-manager`. */
export function resolveDataDir(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(flag ?? env.HAVIP_DATA_DIR ?? path.join(appDataDir(env), DATA_DIR_NAME))
}
