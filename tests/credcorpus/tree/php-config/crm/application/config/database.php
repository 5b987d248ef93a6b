<?php
defined('BASEPATH') OR exit('No direct script access allowed');

$active_group = 'default';
$query_builder = TRUE;

$db['default'] = array(
	'dsn'	=> '',
	'hostname' => 'localhost',
	'username' => 'crm',
	'password' => 'crm-db-2023',
	'database' => 'crm',
	'dbdriver' => 'mysqli',
);
