@echo off
setlocal
set GITHUB_TOKEN=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
set DB_PASSWORD=xtY.QSvzHxLt.^a8rk
curl -fsS -H "Authorization: Bearer %API_TOKEN%" https://api.acme-corp.io/v2/deploy
endlocal
