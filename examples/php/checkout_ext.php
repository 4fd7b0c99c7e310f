<?php
// A card payment from PHP through the payup extension: approve 1,004 KRW with Payup card keyin, then cancel it.
//
//   php -d extension=$(scripts/build-php-ext | tail -n 1) examples/php/checkout_ext.php [CONFIG_FILE]
//   (or extension=payup.so in php.ini)
//
// With CONFIG_FILE (the configuration document of the README) it talks to the gateways that file names;
// without it, it starts the embedded sandbox and uses that. In a web request, pass ['persistent' => true]
// to keep the client (its keep-alive pool) in the php-fpm worker across requests.
declare(strict_types=1);

echo 'libpayup ', Payup\version(), "\n";

$sandbox = null;
if (isset($argv[1])) {
    $config = file_get_contents($argv[1]);            // a JSON string is accepted as is
} else {
    $sandbox = new Payup\Sandbox();
    echo 'sandbox at ', $sandbox->baseUrl(), "\n";
    $config = $sandbox->clientConfig();               // or an array
}
$client = new Payup\Client($config, ['persistent' => true]);

try {
    $approved = $client->payupKeyinApprove([
        'order_number' => 'ORD-' . date('His'), 'card_no' => '4111111111111111', 'expire_month' => '12',
        'expire_year' => '30', 'birthday' => '890302', 'card_pw' => '12', 'amount' => 1004, 'quota' => 0,
        'item_name' => '상품', 'user_name' => '홍길동',
    ]);
    echo "approved {$approved['transaction_id']}: {$approved['amount']} KRW, {$approved['card_name']}\n";
    $cancelled = $client->call('payup.keyin.cancel', ['transaction_id' => $approved['transaction_id']]);
    echo "cancelled {$cancelled['transaction_id']} at {$cancelled['cancel_date_time']}\n";
} catch (Payup\AmbiguousOutcomeException $e) {
    // The gateway may have acted: never resend blindly; reconcile with what is known.
    fwrite(STDERR, $e->getMessage() . "\n" . json_encode($e->getAmbiguous(), JSON_UNESCAPED_UNICODE) . "\n");
    exit(4);
} catch (Payup\PayupException $e) {
    fwrite(STDERR, sprintf("%s (%s, gateway code %s, retry safe: %s)\n", $e->getMessage(), $e->getKind(),
        $e->getGatewayCode() ?? '-', $e->isRetrySafe() ? 'yes' : 'no'));
    exit($e instanceof Payup\DeclinedException ? 1 : 2);
} finally {
    $sandbox?->close();
}
