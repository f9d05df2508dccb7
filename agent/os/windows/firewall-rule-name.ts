/**
 * The one inbound rule HAVIP keeps on a Windows node for VRRP, by name. The agent replaces it
 * at start with the peers of its config, the app creates it from a validation report, and the
 * app's removal deletes it: all three must name the same rule, so the name lives here alone.
 */
export const FIREWALL_RULE_NAME = 'HAVIP-VRRP-IP112'
export const FIREWALL_RULE_DISPLAY = 'HAVIP Manager: VRRP (IP protocol 112) from cluster peers'
