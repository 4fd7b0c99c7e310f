<?php
// A page that leaves a payup exception uncaught, with canary card data in the request: PHP then writes
// "Uncaught Payup\DeclinedException …" and its stack trace to the error log (php-fpm's, via
// catch_workers_output). scripts/test-php-ext checks that the log holds the exception and none of the canaries.
declare(strict_types=1);

$client = new Payup\Client(file_get_contents($_SERVER['PAYUP_CLIENT_CONFIG']));
// A Luhn-valid number ending in 0002: the sandbox declines it (card refused), after validation passed.
$client->payupKeyinApprove(['order_number' => 'CANARY-' . substr((string)hrtime(true), -10),
    'card_no' => '4556737586070002', 'expire_month' => '12', 'expire_year' => '30', 'birthday' => '731205',
    'card_pw' => '47', 'amount' => 1004, 'quota' => 0, 'item_name' => '상품', 'user_name' => '홍길동']);
