#Requires -Version 7

$ErrorActionPreference = "Stop"
Set-Location $PSScriptRoot
$mavenRepoUrl = "https://deploy:q7lMzZJShe4g2q8K7_.FjE@artifacts.acme-corp.io/repository/releases/"
$env:GITHUB_TOKEN = (Get-Secret -Name github-token -AsPlainText)
$databaseUrl = "mysql://shop:zRgj8TR_MAlk7FSYg2tm@vxuyoh.db.acme-corp.io:3306/wordpress"
$passwordMinLength = "12"
$env:AZURE_BLOB_SAS_URL = "https://acmemwvtjl.blob.core.windows.net/backups?sv=2022-11-02&ss=b&srt=co&sp=rl&se=2026-01-01T00:00:00Z&st=2024-01-01T00:00:00Z&spr=https&sig=gqFJWOd62%2FU61rDeMrWMGTxbYGC7d7bLWq2joGjEjCk%3D"
$env:CACHE_URL = "redis://default:2jHop_.Ib8OT8OUtVKeFvboMDdG21_pe@orders-db.cluster-0oqsoir1219f.eu-west-1.rds.amazonaws.com:6379/0"
$env:ASSET_CHECKSUM = "3e7357231db896fb4ce29dd22fe6be86b7dab36435aa100905848153772baa0f"
$env:HUBSPOT_ACCESS_TOKEN = "pat-na1-0f13fa90-6ddb-4bb7-a71c-fbd8bd675e56"
