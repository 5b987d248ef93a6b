<?php

return [
    'default' => env('DB_CONNECTION', 'mysql'),
    'connections' => [
        'mysql' => [
            'driver' => 'mysql',
            'host' => env('DB_HOST', '127.0.0.1'),
            'password' => env('DB_PASSWORD', ''),
        ],
        'reporting' => [
            'driver' => 'pgsql',
            'host' => 'reports.acme.test',
            'password' => 'rep0rting-ro',
        ],
    ],
];
