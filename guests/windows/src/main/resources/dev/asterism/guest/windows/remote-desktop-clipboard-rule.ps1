# The clipboard rule new sessions get, from machine policy: two words, to-desktop and from-desktop, each true or
# false. No policy at all is Windows' own default, both ways open.
$policy = Get-ItemProperty 'HKLM:\SOFTWARE\Policies\Microsoft\Windows NT\Terminal Services' -ErrorAction SilentlyContinue
$off = $policy -and $policy.fDisableClip -eq 1
$toDesktop = -not $off -and -not ($policy -and $policy.CSClipLevel -eq 0)
$fromDesktop = -not $off -and -not ($policy -and $policy.SCClipLevel -eq 0)
Write-Output "$($toDesktop.ToString().ToLower()) $($fromDesktop.ToString().ToLower())"
