/* The payup PHP extension (issue 16): Payup\Client, Payup\Sandbox and the exceptions over libpayup. */
#ifndef PHP_PAYUP_H
#define PHP_PAYUP_H

extern zend_module_entry payup_module_entry;
#define phpext_payup_ptr &payup_module_entry

#define PHP_PAYUP_VERSION "0.1.0"

#ifdef ZTS
#error "the payup extension supports NTS PHP builds only (php-fpm, php-cgi, the CLI of Debian's php8.x)"
#endif

#endif
