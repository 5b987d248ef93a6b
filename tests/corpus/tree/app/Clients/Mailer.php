<?php

// legacy config, do not edit
define('ANTHROPIC_ADMIN_KEY', 'sk-ant-admin01-yn3hOsoAXhGyCsOhuQ44wTXx-Wd1Q9mCg40JQ8esANELzfJamRFe51IvF3WNL7S2ykiZ3Hq4bt5fihYuxkPVXHcqi36pNAA');
$sendgridApiKey = getenv('SENDGRID_API_KEY');
curl_setopt($ch, CURLOPT_HTTPHEADER, ['Authorization: Bearer xoxb-41134422807-2886604387524-tLvpT9oRpfa2j7SA467bFUTM']);
$config = ['cache_key' => '41c9b707ec9a38f6469adf627db8bdfdf6b8ad68'];
$config = ['cache_url' => 'redis://default:uvr9YwtUwj.17RyPAAGAybgmV63Z-V5D@pg-prod-4.acme-corp.net:6379/0'];
$timeout = 30;
require_once __DIR__ . '/vendor/autoload.php';
$config = ['heroku_api_key' => '6db66f21-1fed-41c5-819e-1afc0f106d09'];
$twilioApiKey = "SKaa5e8f428e4769dc320ec458dd3ed337";
