import { describe, expect, it } from 'vitest'
import { intOption, parseArgs, UsageError } from '../../../electron/cli/args'
import { COMMANDS, findCommand, helpText } from '../../../electron/cli/commands'
import { parseNodeSpec } from '../../../electron/cli/node-spec'

const validate = findCommand(['validate'])!

describe('havip argument parsing', () => {
  it('collects repeated --node, values given with a space or "=", flags and positionals', () => {
    const p = parseArgs(['validate', '--node', 'root@n1', '--node=n2:2222', '--vip', '198.51.100.200/24', '--trust-new-host-keys', '--json'], { ...validate.options, '--json': {} }, 'havip validate')
    expect(p.options['--node']).toEqual(['root@n1', 'n2:2222'])
    expect(p.options['--vip']).toEqual(['198.51.100.200/24'])
    expect([...p.flags].sort()).toEqual(['--json', '--trust-new-host-keys'])
    expect(p.positionals).toEqual(['validate'])
  })

  it('refuses an unknown option, naming the command and its options', () => {
    expect(() => parseArgs(['--vipp', 'x'], validate.options, 'havip validate')).toThrow(/havip validate: unknown option --vipp\. Options here: .*--vip/)
  })

  it('refuses a value-taking option without a value, a flag with a value, and a single option given twice', () => {
    expect(() => parseArgs(['--vip'], validate.options, 'c')).toThrow(/--vip needs a value/)
    expect(() => parseArgs(['--vip', '--node'], validate.options, 'c')).toThrow(/--vip needs a value/)
    expect(() => parseArgs(['--multicast=yes'], validate.options, 'c')).toThrow(/takes no value/)
    expect(() => parseArgs(['--vip', 'a', '--vip', 'b'], validate.options, 'c')).toThrow(/only once/)
  })

  it('reads bounded integers and names the option when out of range', () => {
    const p = parseArgs(['--vrid', '256'], validate.options, 'c')
    expect(() => intOption(p, '--vrid', 1, 255)).toThrow(UsageError)
    expect(() => intOption(p, '--vrid', 1, 255)).toThrow(/--vrid must be a whole number from 1 to 255, got "256"/)
    expect(intOption(parseArgs(['--vrid', '51'], validate.options, 'c'), '--vrid', 1, 255)).toBe(51)
  })

  it('finds the longest command by its words; every command of the contract is declared', () => {
    expect(findCommand(['cluster', 'role', 'add', 'c1', 'web'])?.words).toEqual(['cluster', 'role', 'add'])
    expect(findCommand(['cluster', 'nope'])).toBeUndefined()
    const declared = COMMANDS.map((c) => c.words.join(' '))
    for (const w of ['validate', 'cluster create', 'cluster connect', 'cluster list', 'cluster show', 'cluster export', 'cluster add-node', 'cluster evict', 'cluster destroy', 'cluster role add', 'cluster role set', 'cluster role remove']) {
      expect(declared).toContain(w)
    }
    expect(helpText()).toContain('--trust-new-host-keys')
  })
})

describe('--node [USER@]HOST[:PORT]', () => {
  it('reads user, host and port, with the local user and port 22 as defaults', () => {
    expect(parseNodeSpec('root@198.51.100.11:2222', 'me')).toMatchObject({ username: 'root', host: '198.51.100.11', port: 2222 })
    expect(parseNodeSpec('n1.example.org', 'me')).toMatchObject({ username: 'me', host: 'n1.example.org', port: 22 })
    expect(parseNodeSpec('admin@[2001:db8::1]:2200', 'me')).toMatchObject({ username: 'admin', host: '2001:db8::1', port: 2200 })
    expect(parseNodeSpec('2001:db8::1', 'me')).toMatchObject({ host: '2001:db8::1', port: 22 })
  })

  it('refuses hostile or malformed parts with the schema message', () => {
    expect(() => parseNodeSpec('root@n1;reboot', 'me')).toThrow(/--node root@n1;reboot: not a valid host name/)
    expect(() => parseNodeSpec('$(id)@n1', 'me')).toThrow(/not a valid user name/)
    expect(() => parseNodeSpec('n1:99999', 'me')).toThrow(/port must be a number from 1 to 65535/)
    expect(() => parseNodeSpec('[2001:db8::1', 'me')).toThrow(/closing "\]"/)
  })
})
