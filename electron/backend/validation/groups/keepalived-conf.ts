// What a running keepalived serves, read from its configuration: its vrrp_instance blocks with
// interface, VRID and addresses. A small tokenizer, not a full keepalived grammar: `include`
// files are named (not followed), and anything unknown is skipped.

export interface KeepalivedInstance {
  name: string
  interface?: string
  vrid?: number
  state?: string
  priority?: number
  addresses: string[]
}

export function parseKeepalivedConf(text: string): { instances: KeepalivedInstance[]; includes: string[] } {
  const tokens: string[] = []
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#!].*$/, '')
    for (const t of line.match(/\{|\}|"[^"]*"|[^\s{}]+/g) ?? []) tokens.push(t)
    tokens.push('\n')
  }
  const instances: KeepalivedInstance[] = []
  const includes: string[] = []
  let i = 0
  const skipBlock = (): void => {
    // At a '{': move past its matching '}'.
    let depth = 0
    for (; i < tokens.length; i++) {
      if (tokens[i] === '{') depth++
      else if (tokens[i] === '}' && --depth === 0) {
        i++
        return
      }
    }
  }
  while (i < tokens.length) {
    const t = tokens[i]!
    if (t === 'include' && tokens[i + 1] && tokens[i + 1] !== '\n') {
      includes.push(tokens[i + 1]!.replace(/"/g, ''))
      i += 2
    } else if (t === 'vrrp_instance' && tokens[i + 2] === '{') {
      const inst: KeepalivedInstance = { name: tokens[i + 1]!, addresses: [] }
      i += 3
      let depth = 1
      let line: string[] = []
      while (i < tokens.length && depth > 0) {
        const u = tokens[i]!
        if (u === '{') {
          if (line[0] === 'virtual_ipaddress') {
            i++
            let words: string[] = []
            while (i < tokens.length && tokens[i] !== '}') {
              if (tokens[i] === '\n') {
                if (words[0]) inst.addresses.push(words[0])
                words = []
              } else words.push(tokens[i]!)
              i++
            }
            if (words[0]) inst.addresses.push(words[0])
            i++
            line = []
            continue
          }
          skipBlock()
          line = []
          continue
        }
        if (u === '}') depth--
        else if (u === '\n') {
          applyKeyword(inst, line)
          line = []
        } else line.push(u)
        i++
      }
      instances.push(inst)
    } else if (t === '{') {
      skipBlock()
    } else i++
  }
  return { instances, includes }
}

function applyKeyword(inst: KeepalivedInstance, words: string[]): void {
  const [key, value] = words
  if (!key || value === undefined) return
  if (key === 'interface') inst.interface = value
  else if (key === 'virtual_router_id' && /^\d+$/.test(value)) inst.vrid = Number(value)
  else if (key === 'state') inst.state = value
  else if (key === 'priority' && /^\d+$/.test(value)) inst.priority = Number(value)
}

/** The config file a keepalived command line uses (-f FILE, --use-file=FILE), else the default. */
export function keepalivedConfPath(cmdline: string[]): string {
  for (let k = 0; k < cmdline.length; k++) {
    const a = cmdline[k]!
    if ((a === '-f' || a === '--use-file') && cmdline[k + 1]) return cmdline[k + 1]!
    if (a.startsWith('--use-file=')) return a.slice('--use-file='.length)
    if (a.startsWith('-f') && a.length > 2) return a.slice(2)
  }
  return '/etc/keepalived/keepalived.conf'
}
