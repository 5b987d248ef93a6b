<?php
declare(strict_types=1);

$cfg['blowfish_secret'] = 'Xq7Lm2Vz9Rt4Kp8Wn3Yb6Hs1Jd5Fg0Ce';

$i = 0;
$i++;
$cfg['Servers'][$i]['auth_type'] = 'config';
$cfg['Servers'][$i]['host'] = 'mysql.acme.test';
$cfg['Servers'][$i]['user'] = 'pma';
$cfg['Servers'][$i]['password'] = 'pmaCtrl-44';
$cfg['Servers'][$i]['controlpass'] = '';
$cfg['UploadDir'] = '';
