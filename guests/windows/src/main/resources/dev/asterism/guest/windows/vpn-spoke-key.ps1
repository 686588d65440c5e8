# The spoke's WireGuard key: made once with wg.exe, kept readable by SYSTEM and Administrators only, never printed;
# the public key is the output.
$directory = Join-Path $env:ProgramData 'Asterism\guest'
New-Item -ItemType Directory -Force $directory | Out-Null
$key = Join-Path $directory 'astvpn0.key'
$wg = Join-Path $env:ProgramFiles 'WireGuard\wg.exe'
if (-not (Test-Path $key)) {
    & $wg genkey | Set-Content -NoNewline -Encoding ascii $key
    icacls $key /inheritance:r /grant:r 'SYSTEM:F' 'Administrators:F' | Out-Null
}
Get-Content -Raw $key | & $wg pubkey
