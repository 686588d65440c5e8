# The users with a session on this computer, one a line, from quser (which prints nothing but a header when none).
$lines = quser 2>$null | Select-Object -Skip 1
foreach ($line in $lines) {
    $name = ($line.Trim() -split '\s+')[0].TrimStart('>')
    if ($name) { Write-Output $name.ToLowerInvariant() }
}
