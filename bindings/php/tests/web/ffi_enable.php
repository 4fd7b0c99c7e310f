<?php
// scripts/test-php-ext: the web request's ffi.enable (left at php.ini's default) and whether payup is loaded.
echo 'ffi.enable=', var_export(ini_get('ffi.enable'), true), ' payup=', extension_loaded('payup') ? 'loaded' : 'missing', "\n";
