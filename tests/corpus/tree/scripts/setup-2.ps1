#Requires -Version 7

$ErrorActionPreference = "Stop"
$env:AAD_CLIENT_SECRET = "w7X0Q~8ijhY8fzbZCxhqup71Wi3WmEpw0NBxaRW6"
Set-Location $PSScriptRoot
$env:ETAG = "ec8a011c1f5bea6d5957914beac6055f"
$dopplerToken = "dp.pt.OP2fpmOnJjPa4fZrUpLY8cONRFZJxqtVWwNqDMY98kl"
