# The spoke's tunnel to its hub, as the WireGuard tunnel service astvpn0 (it starts at every boot by itself): the
# hub is the one peer, the whole overlay subnet goes through it, and a keepalive starts the handshake at once.
# In: ASTERISM_OVERLAY_ADDRESS, ASTERISM_ALLOWED_SUBNET, ASTERISM_HUB_PUBLIC_KEY, ASTERISM_HUB_ENDPOINT.
$directory = Join-Path $env:ProgramData 'Asterism\guest'
$configuration = Join-Path $directory 'astvpn0.conf'
$wireguard = Join-Path $env:ProgramFiles 'WireGuard\wireguard.exe'
$privateKey = (Get-Content -Raw (Join-Path $directory 'astvpn0.key')).Trim()
@(
    '[Interface]'
    "PrivateKey = $privateKey"
    "Address = $($env:ASTERISM_OVERLAY_ADDRESS)/32"
    ''
    '[Peer]'
    "PublicKey = $($env:ASTERISM_HUB_PUBLIC_KEY)"
    "Endpoint = $($env:ASTERISM_HUB_ENDPOINT)"
    "AllowedIPs = $($env:ASTERISM_ALLOWED_SUBNET)"
    'PersistentKeepalive = 15'
) | Set-Content -Encoding ascii $configuration
icacls $configuration /inheritance:r /grant:r 'SYSTEM:F' 'Administrators:F' | Out-Null
if (Get-Service -Name 'WireGuardTunnel$astvpn0' -ErrorAction SilentlyContinue) {
    & $wireguard /uninstalltunnelservice astvpn0
    Start-Sleep -Seconds 2
}
& $wireguard /installtunnelservice $configuration
Write-Output 'tunnel service astvpn0 installed'
