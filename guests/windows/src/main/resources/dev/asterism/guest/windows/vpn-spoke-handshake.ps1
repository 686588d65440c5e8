# The spoke's latest handshake with its hub, in seconds since 1970 (0: none yet), or nothing without a tunnel.
$wg = Join-Path $env:ProgramFiles 'WireGuard\wg.exe'
if (Get-Service -Name 'WireGuardTunnel$astvpn0' -ErrorAction SilentlyContinue) {
    & $wg show astvpn0 latest-handshakes | ForEach-Object { ($_ -split "`t")[1] }
}
