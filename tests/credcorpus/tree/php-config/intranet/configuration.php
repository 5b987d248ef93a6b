<?php
class JConfig {
	public $offline = false;
	public $sitename = 'ACME Intranet';
	public $dbtype = 'mysqli';
	public $host = 'localhost';
	public $user = 'joomla';
	public $password = 'j00mla-db-pw';
	public $db = 'intranet';
	public $secret = 'Wq3SgMAtPmHXmRrx';
	public $smtppass = '';
	public $mailfrom = 'intranet@acme.test';
}
