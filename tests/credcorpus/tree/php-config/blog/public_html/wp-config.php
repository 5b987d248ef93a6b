<?php
/**
 * The base configuration for WordPress
 */

// ** Database settings - You can get this info from your web host ** //
define( 'DB_NAME', 'blog' );
define( 'DB_USER', 'blog_user' );
define( 'DB_PASSWORD', 'wpDbPass2024' );
define( 'DB_HOST', 'localhost' );
define( 'DB_CHARSET', 'utf8mb4' );

define( 'AUTH_KEY',         'k%Tq8-V|zL2@x!Wn4#Rb6^Pm0&Ys9*Hd3(Jf7)Ga5+Ec1=Uo' );
define( 'SECURE_AUTH_KEY',  'p!Z3v#N8q@L1x$W6m%R4t^K9y&B2s*G7d(J5f)H0a+C3e=U8' );
define( 'LOGGED_IN_KEY',    'put your unique phrase here' );
define( 'NONCE_KEY',        'put your unique phrase here' );
define( 'AUTH_SALT',        getenv('WP_AUTH_SALT') );

// define( 'DB_PASSWORD', 'password_here' );
$table_prefix = 'wp_';
define( 'WP_DEBUG', false );

if ( ! defined( 'ABSPATH' ) ) {
	define( 'ABSPATH', __DIR__ . '/' );
}
require_once ABSPATH . 'wp-settings.php';
