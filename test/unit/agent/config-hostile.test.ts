/**
 * Hostile config files end fast with an error that names the line or the limit, never a stack
 * overflow or a hang (issue 9, item 5). No wall-time assertions here: a regression to the old
 * quadratic tokenizer shows as this file timing out; `npm run bench` is where speed is measured.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { parseKeepalivedConf } from '../../../agent/config/keepalived-conf'
import { CONFIG_LIMITS, parseStatements } from '../../../agent/config/keepalived-tokens'
import { loadConfig } from '../../../agent/config/load'
import { main } from '../../../agent/main'

const dir = mkdtempSync(join(tmpdir(), 'havip-hostile-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = ''
  let err = ''
  const code = await main(argv, { out: (s) => (out += s + '\n'), err: (s) => (err += s + '\n') })
  return { code, out, err }
}

const errorsOf = (r: { issues: { severity: string; message: string; line?: number }[] }) => r.issues.filter((i) => i.severity === 'error')

const INSTANCE = `vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  priority 100
  authentication {
    auth_type PASS
    auth_pass s3cr3tpw
  }
  virtual_ipaddress {
    198.51.100.100/24
  }
}
`

describe('hostile keepalived.conf input', () => {
  it('reads a file of a million blank lines (under the size limit) in one linear pass', () => {
    // The old tokenizer looked ahead over every following newline at each newline: quadratic.
    const text = '\n'.repeat(CONFIG_LIMITS.maxFileBytes - INSTANCE.length - 1) + INSTANCE
    const r = parseKeepalivedConf(text)
    expect(errorsOf(r)).toEqual([])
    expect(r.config?.instances[0]?.name).toBe('VI_1')
    expect(r.config?.instances[0]?.vrid).toBe(51)
  })

  it('stops 100,000 nested braces at the nesting limit, naming the line, without overflowing the stack', () => {
    const r = parseStatements('a {\n'.repeat(100_000))
    expect(r.statements).toEqual([])
    expect(r.issues).toEqual([{ line: CONFIG_LIMITS.maxNesting + 1, message: expect.stringContaining(`blocks nested more than ${CONFIG_LIMITS.maxNesting} deep (the limit`) }])
    // the same on one line
    expect(parseStatements('{'.repeat(100_000)).issues.at(-1)?.message).toMatch(/nested more than 16 deep/)
  })

  it('stops at the word limit', () => {
    const r = parseStatements('w '.repeat(CONFIG_LIMITS.maxTokens + 10))
    expect(r.issues).toEqual([{ line: 1, message: expect.stringContaining(`more than ${CONFIG_LIMITS.maxTokens} words (the limit per file)`) }])
  })

  it('stays linear on a file of unterminated quotes', () => {
    const r = parseStatements('"abc\n'.repeat(50_000))
    expect(r.issues).toHaveLength(50_000)
    expect(r.issues[49_999]).toEqual({ line: 50_000, message: 'unterminated double quote; close the string on the same line' })
  })

  it('refuses a 5 MB file of blank lines, a 10 MB file and /dev/zero by the size limit, without reading them whole', () => {
    const blank = join(dir, 'blank.conf')
    writeFileSync(blank, '\n'.repeat(5 * 1024 * 1024))
    const big = join(dir, 'big.conf')
    writeFileSync(big, INSTANCE.repeat(Math.ceil((10 * 1024 * 1024) / INSTANCE.length)))
    for (const path of [blank, big, '/dev/zero']) {
      const r = loadConfig({ keepalivedConfPath: path })
      expect(r.config).toBeUndefined()
      expect(r.issues).toEqual([{ severity: 'error', message: `cannot read keepalived.conf ${path}: it is larger than ${CONFIG_LIMITS.maxFileBytes} bytes (the limit per file); a config is a few KB, check the path` }])
    }
    // the JSON config too
    expect(loadConfig({ configPath: big }).issues[0]?.message).toContain('(the limit per file)')
  })

  it('refuses a binary file, naming the line of the first NUL byte', () => {
    const bin = join(dir, 'bin.conf')
    // random bytes with the NUL bytes moved past the first three lines
    const bytes = randomBytes(64 * 1024).map((b) => (b === 0 ? 1 : b))
    const head = Buffer.from('global_defs {\n}\nx\n')
    writeFileSync(bin, Buffer.concat([head, Buffer.from([0x41, 0x00]), bytes]))
    const r = loadConfig({ keepalivedConfPath: bin })
    expect(r.config).toBeUndefined()
    expect(r.issues).toEqual([{ severity: 'error', message: `${bin} line 4: contains a NUL byte: this looks like a binary file, not a config; check the path` }])
    // and a control character the lexer meets
    expect(parseStatements('a 1\nb \x07\n').issues).toEqual([{ line: 2, message: 'column 3: control character U+0007; remove it' }])
  })

  it('warns about bytes that are not UTF-8, naming the line', () => {
    const latin1 = join(dir, 'latin1.conf')
    writeFileSync(latin1, Buffer.concat([Buffer.from('# caf'), Buffer.from([0xe9]), Buffer.from('\n' + INSTANCE)]))
    const r = loadConfig({ keepalivedConfPath: latin1 })
    expect(r.config?.instances[0]?.name).toBe('VI_1')
    expect(r.issues).toContainEqual({ severity: 'warning', message: `${latin1} line 1: the file is not valid UTF-8 (saved as Latin-1?); the bad bytes were replaced by U+FFFD; save the file as UTF-8` })
  })
})

describe('check-config and run on hostile settings', () => {
  it('refuses a controlSocket that names an existing regular file, and leaves the file alone', async () => {
    const precious = join(dir, 'precious.txt')
    writeFileSync(precious, 'do not delete\n')
    const cfg = join(dir, 'sock.json')
    writeFileSync(cfg, JSON.stringify({ controlSocket: precious, instances: [{ name: 'VI_1', interface: 'eth0', vrid: 7, vips: ['198.51.100.100/24'] }] }))
    const r = await cli('check-config', '--config', cfg)
    expect(r.code).toBe(1)
    expect(r.out).toContain(`error: controlSocket ${precious} already exists and is a regular file; the agent will not replace it`)
    const run = await cli('run', '--config', cfg)
    expect(run.code).toBe(1)
    expect(run.err).toContain('not starting: the control socket path is taken')
    // --socket on the command line is checked the same way
    const ok = join(dir, 'ok.json')
    writeFileSync(ok, JSON.stringify({ instances: [{ name: 'VI_1', interface: 'eth0', vrid: 7, vips: ['198.51.100.100/24'] }] }))
    const run2 = await cli('run', '--config', ok, '--socket', precious)
    expect(run2.code).toBe(1)
    expect(run2.err).toContain(`controlSocket ${precious} already exists and is a regular file`)
    expect(readFileSync(precious, 'utf8')).toBe('do not delete\n')
  })

  it('check-config --json never prints auth_pass', async () => {
    const conf = join(dir, 'pw.conf')
    writeFileSync(conf, INSTANCE)
    const r = await cli('check-config', '--keepalived-conf', conf, '--json')
    expect(r.code).toBe(0)
    expect(r.out).not.toContain('s3cr3tpw')
    expect(JSON.parse(r.out).config.instances[0].auth).toEqual({ type: 'PASS', password: '(hidden)' })
    // nor a JSON syntax error that quotes the text around it, nor the extra words of an auth_pass line
    const badJson = join(dir, 'pw.json')
    writeFileSync(badJson, '{"instances": [{"auth": {"password": s3cr3tpw}}]}')
    const j = await cli('check-config', '--config', badJson, '--json')
    expect(j.code).toBe(1)
    expect(j.out).not.toContain('s3cr3tpw')
    expect(j.out).toContain('the file is not valid JSON')
    const words = join(dir, 'pw-words.conf')
    writeFileSync(words, INSTANCE.replace('auth_pass s3cr3tpw', 'auth_pass s3cr3tpw t0psecret'))
    const w = await cli('check-config', '--keepalived-conf', words, '--json')
    expect(w.out).not.toContain('t0psecret')
    expect(w.out).not.toContain('s3cr3tpw')
  })
})
