<?php
/** The base configuration for WordPress */

// ** Database settings ** //
define( 'DB_NAME', 'wp_acme' );
define( 'DB_USER', 'wp_acme' );
define( 'DB_PASSWORD', 'p~imGhLYn~j!8YdeO!tG' );
define( 'DB_HOST', 'mysql.internal' );
define( 'DB_CHARSET', 'utf8mb4' );

define( 'AUTH_KEY',         '.Uz8z{+(/u#*M2UG~P]..)JP{/@CHj/9%,9+?*yJmKH#5L&)n9L}>h{,G8&Ls_5e' );
define( 'SECURE_AUTH_KEY',  's]H}g3Qd[wIiZeM>%JN)=?L*6zr);7sZx|4`m4nZr<6N~?7hii`86d~%QF <G2`L' );
define( 'LOGGED_IN_KEY',    '?ju1/y}i*pk0lrEs{G!|g$=],}^?5Y)Ant_dXu/M.BO^f_~9VSg9%mt_~Tc}m#vQ' );
define( 'NONCE_KEY',        'Ib4d5^:o#vvtxYe<I%zc!mY<Jw49f].w53Z*.-@Y!k?b~FEX+wz2|tMY-MB8{qGF' );
define( 'AUTH_SALT',        'qNcb)7$lArm=GwG2d,s$S4|=LrtU.bF|D;q#84IS]qb$J!1SQ(oM>nYqL=xGdFe#' );
define( 'SECURE_AUTH_SALT', '3qXPob( s*h#u|E@pL-|D,bQT>Rcn9!I{wxJjW1XV?dl;PI u0g+;4&aWeuxukcB' );
define( 'LOGGED_IN_SALT',   'kc61dv6A6z8&=c@^F,+A{x$[.N.[&j.8#xI1SBNq#y<5Utq@Ym]]7XStyQ@?|MN2' );
define( 'NONCE_SALT',       '8$[p`XM!iw4;Fy _K9;SqUSA:WZFHpsqv[E{[]$g,;ZXki(UlaGtxZR)|26~HAb5' );

$table_prefix = 'wp_';
define( 'WP_DEBUG', false );

if ( ! defined( 'ABSPATH' ) ) {
	define( 'ABSPATH', __DIR__ . '/' );
}
require_once ABSPATH . 'wp-settings.php';
