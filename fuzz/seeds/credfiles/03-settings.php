<?php
$databases['default']['default'] = [
  'database' => 'cms',
  'username' => 'cms',
  'password' => 'drupalDb!77',
  'host' => 'localhost',
  'port' => '3306',
  'driver' => 'mysql',
  'prefix' => '',
];
$settings['hash_salt'] = 'Zq8wLp3vNc1XrT6yHx7kPq2mWz9tBv4nRt5Ym';
$settings['update_free_access'] = FALSE;
$settings['config_sync_directory'] = '../config/sync';
