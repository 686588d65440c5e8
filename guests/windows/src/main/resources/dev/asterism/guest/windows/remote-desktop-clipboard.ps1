# The clipboard rule of remote desktop sessions, as machine policy: off both ways (fDisableClip), or open one way or
# both (SCClipLevel: server to client, CSClipLevel: client to server; 4 lets text, images, RTF and HTML through).
# One-way rules need Windows 11 22H2 (build 22621) or later; older Windows cannot enforce them, so the clipboard
# stays off there and the step fails. Sessions that start after this get the rule.
# In: ASTERISM_TO_DESKTOP, ASTERISM_FROM_DESKTOP (true or false).
$policy = 'HKLM:\SOFTWARE\Policies\Microsoft\Windows NT\Terminal Services'
if (-not (Test-Path $policy)) { New-Item -Path $policy -Force | Out-Null }
$toDesktop = $env:ASTERISM_TO_DESKTOP -eq 'true'
$fromDesktop = $env:ASTERISM_FROM_DESKTOP -eq 'true'
$build = [int](Get-CimInstance Win32_OperatingSystem).BuildNumber
if ($toDesktop -ne $fromDesktop -and $build -lt 22621) {
    Set-ItemProperty $policy -Name fDisableClip -Value 1 -Type DWord
    Write-Error "one-way clipboard rules need Windows 11 22H2 (build 22621) or later, this is build $build: the clipboard stays off"
    exit 1
}
Set-ItemProperty $policy -Name fDisableClip -Value ([int](-not ($toDesktop -or $fromDesktop))) -Type DWord
Set-ItemProperty $policy -Name CSClipLevel -Value ([int]$toDesktop * 4) -Type DWord
Set-ItemProperty $policy -Name SCClipLevel -Value ([int]$fromDesktop * 4) -Type DWord
Write-Output "clipboard to the desktop: $toDesktop, from the desktop: $fromDesktop"
