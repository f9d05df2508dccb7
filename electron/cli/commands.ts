// The `havip` command surface, declared once: the words, each command's own options and its
// one-line help. `havip --help` is printed from this table, and the parser refuses an option
// a command does not take. Commands whose feature is not in this build say so (exit 1).
import { NODE_OPTIONS, type OptionSpecs } from './args'

export interface CommandSpec {
  words: string[]
  usage: string
  summary: string
  options: OptionSpecs
  /** Positional arguments after the command words: [min, max]. */
  positionals: [number, number]
  /** False while the feature that carries it is not in this build. */
  available: boolean
}

const ROLE_OPTIONS: OptionSpecs = {
  '--vip': { value: true },
  '--vrid': { value: true },
  '--advert-ms': { value: true },
  '--preferred-owner': { value: true, repeat: true },
  '--failback': { value: true }
}

export const COMMANDS: CommandSpec[] = [
  {
    words: ['validate'],
    usage: 'validate --node ... --vip CIDR [--interface IF] [--vrid N] [--advert-ms N] [--multicast] [--test ID]... [--report FILE.html] [--create-firewall-rule]',
    summary: 'Validate a Configuration: run the test catalogue on the nodes and write the report',
    options: {
      ...NODE_OPTIONS,
      '--vip': { value: true },
      '--interface': { value: true },
      '--vrid': { value: true },
      '--advert-ms': { value: true },
      '--multicast': {},
      '--test': { value: true, repeat: true },
      '--report': { value: true },
      '--list-tests': {},
      // On Windows nodes without a firewall rule for VRRP: create the one the report offers, then test again.
      '--create-firewall-rule': {}
    },
    positionals: [0, 0],
    available: true
  },
  {
    words: ['cluster', 'create'],
    usage: 'cluster create NAME --node ... --vip CIDR [--interface IF] [--vrid N] [--advert-ms N] [--skip-validation REASON]',
    summary: 'Create Cluster: validate, deploy the agent on every node, start the first role',
    options: { ...NODE_OPTIONS, '--vip': { value: true }, '--interface': { value: true }, '--vrid': { value: true }, '--advert-ms': { value: true }, '--skip-validation': { value: true } },
    positionals: [1, 1],
    available: true
  },
  {
    words: ['cluster', 'connect'],
    usage: 'cluster connect [USER@]HOST[:PORT] [--identity FILE] [--password-file FILE] [--trust-new-host-keys]',
    summary: "Connect to Cluster by the address of any one node: read its definition, reach the other nodes, remember the cluster",
    options: { ...NODE_OPTIONS },
    positionals: [1, 1],
    available: true
  },
  { words: ['cluster', 'list'], usage: 'cluster list', summary: 'List the known clusters (no node is contacted)', options: {}, positionals: [0, 0], available: true },
  { words: ['cluster', 'show'], usage: 'cluster show NAME', summary: "Show a cluster's nodes and roles, read from its nodes now", options: { ...NODE_OPTIONS }, positionals: [1, 1], available: true },
  {
    words: ['cluster', 'export'],
    usage: 'cluster export NAME [--format keepalived|json] [--output-dir DIR]',
    summary: "Export the cluster as each node's keepalived.conf, or as JSON (with the VRRP password; files 0600 with --output-dir)",
    options: { ...NODE_OPTIONS, '--format': { value: true }, '--output-dir': { value: true } },
    positionals: [1, 1],
    available: true
  },
  {
    words: ['cluster', 'add-node'],
    usage: 'cluster add-node NAME --node ... [--interface IF] [--skip-validation REASON]',
    summary: 'Add Node: validate the new node with the others, deploy it, bump the generation on all',
    options: { ...NODE_OPTIONS, '--interface': { value: true }, '--skip-validation': { value: true } },
    positionals: [1, 1],
    available: true
  },
  { words: ['cluster', 'evict'], usage: 'cluster evict NAME NODE', summary: 'Evict Node: move its roles away, remove the agent', options: { ...NODE_OPTIONS }, positionals: [2, 2], available: true },
  { words: ['cluster', 'destroy'], usage: 'cluster destroy NAME --yes', summary: 'Destroy Cluster: stop every agent, remove VIPs, services and files', options: { ...NODE_OPTIONS, '--yes': {} }, positionals: [1, 1], available: true },
  { words: ['cluster', 'role', 'add'], usage: 'cluster role add NAME ROLE --vip CIDR [--vrid N] [--advert-ms N] [--preferred-owner NODE]... [--failback never|immediately|START-END]', summary: 'Configure Role: add a highly available address', options: { ...NODE_OPTIONS, ...ROLE_OPTIONS }, positionals: [2, 2], available: true },
  { words: ['cluster', 'role', 'set'], usage: 'cluster role set NAME ROLE [--vip CIDR] [--vrid N] [--advert-ms N] [--preferred-owner NODE]... [--failback ...]', summary: 'Configure Role: change a role', options: { ...NODE_OPTIONS, ...ROLE_OPTIONS }, positionals: [2, 2], available: true },
  { words: ['cluster', 'role', 'remove'], usage: 'cluster role remove NAME ROLE', summary: 'Configure Role: remove a role', options: { ...NODE_OPTIONS }, positionals: [2, 2], available: true },
  {
    words: ['cluster', 'rollback'],
    usage: 'cluster rollback OPERATION-ID',
    summary: 'Undo a failed operation as its summary offers (previous generation, or remove everything of a failed create)',
    options: { ...NODE_OPTIONS },
    positionals: [1, 1],
    available: true
  },
  // The console (issue 12): live state and actions on a running cluster.
  {
    words: ['status'],
    usage: 'status [CLUSTER] [--watch]',
    summary: 'Live state of a cluster: roles (owner, state), nodes (Up/Paused/Down/Unreachable), alerts; --watch prints every change until Ctrl-C',
    options: { '--watch': {} },
    positionals: [0, 1],
    available: true
  },
  {
    words: ['move'],
    usage: 'move ROLE [--to NODE] [--cluster NAME]',
    summary: 'Move a role to NODE, or to the best possible node: a planned switchover; prints who holds it and the outage',
    options: { '--to': { value: true }, '--cluster': { value: true } },
    positionals: [1, 1],
    available: true
  },
  {
    words: ['simulate-failure'],
    usage: 'simulate-failure ROLE [--for 30s] [--cluster NAME]',
    summary: "Simulate Failure of a role's owner (a failover drill): its agent acts as if its health check failed for --for (1s..10m, default 30s); prints the new owner and the outage",
    options: { '--for': { value: true }, '--cluster': { value: true } },
    positionals: [1, 1],
    available: true
  },
  {
    words: ['pause'],
    usage: 'pause NODE [--no-drain] [--cluster NAME]',
    summary: 'Pause a node: its roles move away first (unless --no-drain), and it takes none until resumed',
    options: { '--no-drain': {}, '--cluster': { value: true } },
    positionals: [1, 1],
    available: true
  },
  {
    words: ['resume'],
    usage: 'resume NODE [--failback] [--cluster NAME]',
    summary: 'Resume a paused node; with --failback, the roles that prefer it move back to it',
    options: { '--failback': {}, '--cluster': { value: true } },
    positionals: [1, 1],
    available: true
  },
  {
    words: ['service'],
    usage: 'service stop|start NODE [--cluster NAME]',
    summary: 'Stop or start the Cluster Service (the agent) on one node',
    options: { '--cluster': { value: true } },
    positionals: [2, 2],
    available: true
  },
  {
    words: ['events'],
    usage: 'events CLUSTER [--since T] [--follow] [--level info|warn|error]... [--role ROLE]... [--on NODE]... [--search WORDS] [--no-read-back]',
    summary: "Cluster Events: every node's transitions, alerts, actions and agent errors in time order (the agent logs read back first); --follow watches live",
    options: { '--since': { value: true }, '--follow': {}, '--level': { value: true, repeat: true }, '--role': { value: true, repeat: true }, '--on': { value: true, repeat: true }, '--search': { value: true }, '--no-read-back': {} },
    positionals: [1, 1],
    available: true
  }
]

/** The longest command whose words start `positionals`. */
export function findCommand(positionals: string[]): CommandSpec | undefined {
  let best: CommandSpec | undefined
  for (const c of COMMANDS) {
    if (c.words.every((w, i) => positionals[i] === w) && (!best || c.words.length > best.words.length)) best = c
  }
  return best
}

export function helpText(): string {
  const lines = [
    'havip — HAVIP Manager on the command line (same backend and data directory as the app)',
    '',
    'usage: havip [--data-dir DIR] [--json] <command> [options]',
    '',
    'node options (every command that reaches nodes):',
    '  --node [USER@]HOST[:PORT]   a node (repeatable); IPv6 in brackets: root@[2001:db8::1]:22',
    '  --identity FILE             private key to log in with (default: ssh-agent, then ~/.ssh/id_*)',
    '  --password-file FILE        login password, first line of FILE (never on the command line)',
    '  --sudo-password-file FILE   sudo password, when sudo asks for one',
    '  --trust-new-host-keys       pin host keys seen for the first time (a changed key is always refused)',
    '',
    'commands:'
  ]
  for (const c of COMMANDS) lines.push(`  ${c.usage}`, `      ${c.summary}${c.available ? '' : ' (not in this build yet)'}`)
  lines.push(
    '',
    'exit codes: 0 success; 2 validation or the action found failures (report written); 1 error of use or connection.',
    'Progress goes to stderr, the result to stdout; --json prints one JSON document.'
  )
  return lines.join('\n')
}
