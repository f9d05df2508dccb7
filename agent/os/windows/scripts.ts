/**
 * Every PowerShell script the Windows adapter runs. Each body is a constant: the values it works
 * on arrive as $P (the decoded parameter block, ps-encode.ts) and are only ever compared or
 * passed as cmdlet arguments, never parsed as code. Names are matched with -eq in Where-Object,
 * not passed to -InterfaceAlias/-IPAddress, whose wildcard matching would let "Ethernet*" or
 * "[a-z]*" select interfaces nobody named. Cmdlets whose output is not wanted are assigned to
 * $null so the body's output is exactly its result.
 *
 * Documented formats these rely on (fixtures in test/fixtures/windows-agent/ cite them):
 * New-NetIPAddress https://learn.microsoft.com/en-us/powershell/module/nettcpip/new-netipaddress
 * Get-NetIPAddress https://learn.microsoft.com/en-us/powershell/module/nettcpip/get-netipaddress
 * Remove-NetIPAddress https://learn.microsoft.com/en-us/powershell/module/nettcpip/remove-netipaddress
 * Get-NetIPInterface https://learn.microsoft.com/en-us/powershell/module/nettcpip/get-netipinterface
 * New-NetFirewallRule https://learn.microsoft.com/en-us/powershell/module/netsecurity/new-netfirewallrule
 */
export interface PsScript {
  /** Names the script in fixtures and messages. */
  readonly name: string
  readonly body: string
}

/** The IPv4 interface whose alias equals $alias (case-insensitive, no wildcards), or a clear failure. */
const FIND_INTERFACE = String.raw`
# A function's output is unrolled (one element comes out bare, none as $null): callers wrap it in @().
function Find-HavipInterface([string]$alias) {
  Get-NetIPInterface -AddressFamily IPv4 | Where-Object { $_.InterfaceAlias -eq $alias }
}
function Get-HavipInterface([string]$alias) {
  $i = @(Find-HavipInterface $alias)
  if ($i.Count -eq 0) { Fail-Havip 'interface-missing' ('no IPv4 interface is named ' + $alias) }
  $i[0]
}
function ConvertTo-HavipAddress($a) {
  @{ address = [string]$a.IPAddress; prefix = [int]$a.PrefixLength; dev = [string]$a.InterfaceAlias; index = [int]$a.InterfaceIndex
     state = [string]$a.AddressState; skipAsSource = [bool]$a.SkipAsSource; origin = [string]$a.PrefixOrigin; store = [string]$a.PolicyStore }
}
`

function script(name: string, body: string): PsScript {
  return Object.freeze({ name, body: FIND_INTERFACE + body })
}

/**
 * Adds the VIP in the ActiveStore only (gone at reboot: only a running agent holds a VIP) and
 * with SkipAsSource, so Windows never picks it as the source of the node's own connections.
 * Present already on that interface: reported, not added again. On another interface, or an
 * interface that takes its address from DHCP (New-NetIPAddress would turn DHCP off on it, as
 * its documentation says): refused.
 */
export const ADD_VIP = script('add-vip', String.raw`
$if = Get-HavipInterface $P.dev
if ([string]$if.Dhcp -eq 'Enabled') { Fail-Havip 'dhcp-interface' ($P.dev + ' gets its address from DHCP') }
$all = @(Get-NetIPAddress -AddressFamily IPv4 | Where-Object { $_.IPAddress -eq $P.address })
$other = @($all | Where-Object { $_.InterfaceIndex -ne $if.InterfaceIndex })
if ($other.Count -gt 0) { Fail-Havip 'address-elsewhere' ($P.address + ' is on ' + $other[0].InterfaceAlias) }
$here = @($all | Where-Object { $_.InterfaceIndex -eq $if.InterfaceIndex })
if ($here.Count -gt 0) {
  @{ added = $false; address = ConvertTo-HavipAddress $here[0] }
} else {
  $n = @(New-NetIPAddress -IPAddress $P.address -PrefixLength ([byte]$P.prefix) -InterfaceIndex $if.InterfaceIndex -SkipAsSource $true -PolicyStore ActiveStore)
  @{ added = $true; address = ConvertTo-HavipAddress $n[0] }
}
`)

/**
 * Removes the VIP from the interface, from the ActiveStore and also from the PersistentStore
 * (a copy someone saved there would come back at every boot without the agent). A vanished
 * interface or a missing address is not an error: there is nothing left to remove.
 */
export const REMOVE_VIP = script('remove-vip', String.raw`
$i = @(Find-HavipInterface $P.dev)
if ($i.Count -eq 0) {
  @{ removed = 0; interface = $false }
} else {
  $gone = 0
  foreach ($store in 'ActiveStore', 'PersistentStore') {
    $a = @(Get-NetIPAddress -AddressFamily IPv4 -InterfaceIndex $i[0].InterfaceIndex -PolicyStore $store -ErrorAction SilentlyContinue | Where-Object { $_.IPAddress -eq $P.address })
    foreach ($x in $a) { $null = Remove-NetIPAddress -InputObject $x -Confirm:$false; $gone++ }
  }
  @{ removed = $gone; interface = $true }
}
`)

/** IPv4 addresses in the ActiveStore, of one interface ($P.dev) or all. */
export const LIST_ADDRESSES = script('list-addresses', String.raw`
$a = @(Get-NetIPAddress -AddressFamily IPv4)
if ($P.dev) { $a = @($a | Where-Object { $_.InterfaceAlias -eq $P.dev }) }
@{ addresses = @($a | ForEach-Object { ConvertTo-HavipAddress $_ }) }
`)

/** Whether the interface exists, is connected (and its adapter up), and its IPv4 addresses. */
export const INTERFACE_STATE = script('interface-state', String.raw`
$i = @(Find-HavipInterface $P.dev)
if ($i.Count -eq 0) {
  @{ exists = $false }
} else {
  $x = $i[0]
  $ad = @(Get-NetAdapter -InterfaceIndex $x.InterfaceIndex -ErrorAction SilentlyContinue)
  $a = @(Get-NetIPAddress -AddressFamily IPv4 -InterfaceIndex $x.InterfaceIndex -ErrorAction SilentlyContinue)
  @{ exists = $true; index = [int]$x.InterfaceIndex; connection = [string]$x.ConnectionState; dhcp = [string]$x.Dhcp
     adapterStatus = $(if ($ad.Count -gt 0) { [string]$ad[0].Status } else { $null })
     addresses = @($a | ForEach-Object { ConvertTo-HavipAddress $_ }) }
}
`)

/** The duplicate address detection state of one address: Tentative while DAD runs, then Preferred or Duplicate. */
export const ADDRESS_STATE = script('address-state', String.raw`
$i = @(Find-HavipInterface $P.dev)
$a = @()
if ($i.Count -gt 0) { $a = @(Get-NetIPAddress -AddressFamily IPv4 -InterfaceIndex $i[0].InterfaceIndex -ErrorAction SilentlyContinue | Where-Object { $_.IPAddress -eq $P.address }) }
if ($a.Count -eq 0) { @{ present = $false } } else { @{ present = $true; address = ConvertTo-HavipAddress $a[0] } }
`)

/**
 * What decides whether neighbours learn of a takeover (neighbour-update.ts): the OS build and,
 * per IPv4 interface, duplicate address detection's transmit count and interval.
 */
export const NEIGHBOUR_FACTS = script('neighbour-facts', String.raw`
$os = Get-CimInstance -ClassName Win32_OperatingSystem
@{ build = [int]$os.BuildNumber; caption = [string]$os.Caption
   interfaces = @(Get-NetIPInterface -AddressFamily IPv4 | ForEach-Object {
     @{ alias = [string]$_.InterfaceAlias; index = [int]$_.InterfaceIndex; dadTransmits = [int]$_.DadTransmits; dadRetransmitMs = [int]$_.DadRetransmitTime; connection = [string]$_.ConnectionState } }) }
`)

/**
 * The inbound rule admitting VRRP (IP protocol 112) from the peers only ($P.remote; none: the
 * local subnet, for multicast with peers not listed). Created once, its remote addresses
 * updated when the peers change, and enabled if someone disabled it.
 */
export const FIREWALL_RULE = script('firewall-rule', String.raw`
$remote = @($P.remote)
if ($remote.Count -eq 0) { $remote = @('LocalSubnet') }
$r = @(Get-NetFirewallRule -ErrorAction SilentlyContinue | Where-Object { $_.Name -eq $P.name })
if ($r.Count -gt 0) {
  $f = $r[0] | Get-NetFirewallAddressFilter
  $same = (@(Compare-Object @($f.RemoteAddress) $remote).Count -eq 0)
  if (-not $same) { $null = $f | Set-NetFirewallAddressFilter -RemoteAddress $remote }
  $null = $r[0] | Enable-NetFirewallRule
  @{ action = $(if ($same) { 'kept' } else { 'updated' }); remote = $remote }
} else {
  $null = New-NetFirewallRule -Name $P.name -DisplayName $P.displayName -Direction Inbound -Protocol 112 -RemoteAddress $remote -Action Allow -Profile Any
  @{ action = 'created'; remote = $remote }
}
`)

/**
 * Who may do what in a directory ($P.path, taken literally: -LiteralPath, no wildcards): owner
 * and access rules by SID (names are localized: "Administrators" is "Administratoren" in German).
 * https://learn.microsoft.com/en-us/powershell/module/microsoft.powershell.security/get-acl
 */
export const DIR_ACL = script('dir-acl', String.raw`
$acl = Get-Acl -LiteralPath $P.path
$sid = [System.Security.Principal.SecurityIdentifier]
@{ owner = [string]$acl.GetOwner($sid).Value
   rules = @($acl.GetAccessRules($true, $true, $sid) | ForEach-Object {
     @{ sid = [string]$_.IdentityReference.Value; type = [string]$_.AccessControlType; rights = [string]$_.FileSystemRights } }) }
`)

export const ALL_SCRIPTS: readonly PsScript[] = [ADD_VIP, REMOVE_VIP, LIST_ADDRESSES, INTERFACE_STATE, ADDRESS_STATE, NEIGHBOUR_FACTS, FIREWALL_RULE, DIR_ACL]
