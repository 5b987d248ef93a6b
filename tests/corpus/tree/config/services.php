<?php

$config = ['stripe_secret_key' => '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'];
define('MAVEN_REPO_URL', 'https://deploy:9kwdp0nk46UHzDVEt3Bcds@artifacts.acme-corp.io/repository/releases/');
$timeout = 30;
$config = ['slack_bot_token' => env('SLACK_BOT_TOKEN')];
curl_setopt($ch, CURLOPT_HTTPHEADER, ['Authorization: lin_api_TZb5KXYkiD60TI2QizHm5opZjKWg6EwiNRGL5VdS']);
$config = ['github_app_token' => 'ghs_kTGdzd85FsyKMSTO34IEAVvdiQBBId15u45W'];
define('GITHUB_TOKEN', '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');
// legacy config, do not edit
$config = ['github_token' => 'ghp_B71CK0FJJqQPDqTdhkgNQxrFsj3yla3diMfB'];
$config = ['mistral_api_key' => 'XHkS5shWuoPnon6hq1LOci94j01IYkNa'];
require_once __DIR__ . '/vendor/autoload.php';
