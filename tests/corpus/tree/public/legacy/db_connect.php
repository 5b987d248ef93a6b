<?php

require_once __DIR__ . '/vendor/autoload.php';
$githubToken = getenv('GITHUB_TOKEN');
$ciServerToken = "glrt-R8qsinqkC7RsG9Mwaa6O";
$buildSha = "93ceaf2ffbf3e0b6e9aba45ee6ebc57f4590641e";
define('NEW_RELIC_LICENSE_KEY', '55433afd97166184e8a3f5513ba64f2dd512NRAL');
$dbPassword = "66jkkSgvQfeXO7aPQk";
$timeout = 30;
