--TEST--
payup: every operation of the catalogue, typed and through call(), against Payup\Sandbox
--EXTENSIONS--
payup
--FILE--
<?php
require __DIR__ . '/inc/helpers.inc';
$sb = new Payup\Sandbox();
$client = new Payup\Client($sb->clientConfig());
$minimal = vectors('minimal_requests')['requests'];
$camel = fn(string $op) => lcfirst(str_replace(' ', '', ucwords(str_replace(['.', '_'], ' ', $op))));

// Every operation answers with an array or a PayupException whose kind is one of core's, by both routes.
$kinds = [];
foreach ($minimal as $op => $request) {
    foreach (['typed', 'call'] as $route) {
        try {
            $r = $route === 'typed' ? $client->{$camel($op)}($request) : $client->call($op, $request);
            check(is_array($r), "$op $route: array");
            $kinds[$op][$route] = 'ok';
        } catch (Payup\PayupException $e) {
            check(in_array($e->getKind(), ['invalid', 'config', 'declined', 'not_sent', 'ambiguous'], true), "$op kind");
            check($e->getMessage() !== '', "$op message");
            $kinds[$op][$route] = $e->getKind();
        }
    }
    check($kinds[$op]['typed'] === $kinds[$op]['call'], "$op: typed and call agree");
}
echo count($kinds), " operations\n";

// The flows that work against the sandbox without a browser (README's examples).
$ordered = $client->payupKakaopayOrder(['order_number' => order('KP'), 'user_agent' => 'WP', 'amount' => 2500,
    'item_name' => '상품', 'user_name' => '홍길동', 'return_url' => 'https://shop.example/kakao/return']);
var_dump($ordered['good_mny']);
$window = $client->payupKakaopayWindow(['order' => $ordered, 'user_agent' => 'WP']);
var_dump(str_contains($window['html'], '<form'));
$auth = $client->paypleAuth([]);
var_dump($auth['result']);
$oid = order('P');
$payer = 'NS9qNTgzU2xRNHR2RmFBWWFBTWk5UT09';
$paid = $client->paypleBillingPay(['payer_id' => $payer, 'pay_goods' => '정기구독', 'pay_total' => 1000,
    'pay_oid' => $oid, 'pay_year' => '2026', 'pay_month' => '11']);
var_dump($paid['pay_rst'], $paid['pay_total']);
$info = $client->paypleBillingInfo(['payer_id' => $payer, 'payer_no' => '1234']);
var_dump($info['pay_rst']);
$date = substr($paid['pay_time'], 0, 8);
$status = $client->paypleStatus(['pay_oid' => $oid, 'pay_date' => $date, 'reguler_flag' => true, 'pay_year' => '2026', 'pay_month' => '11']);
var_dump($status['pay_total']);
$e = thrown(fn() => $client->paypleCancel(['pay_oid' => $oid, 'pay_date' => $date, 'refund_total' => 500,
    'reguler_flag' => true, 'pay_year' => '2026', 'pay_month' => '11']));
var_dump(get_class($e), $e->getGatewayCode());
$refund = $client->paypleCancel(['pay_oid' => $oid, 'pay_date' => $date, 'refund_total' => 1000,
    'reguler_flag' => true, 'pay_year' => '2026', 'pay_month' => '11']);
var_dump($refund['refund_total']);
foreach (vectors('payple_results')['cases'] as $case) {
    if (isset($case['expected'])) {
        check($client->paypleResult($case['request']) == $case['expected'], $case['name']);
    } else {
        check(thrown(fn() => $client->paypleResult($case['request'])) instanceof Payup\PayupException, $case['name']);
    }
}
var_dump($client->paypleBillingDelete(['payer_id' => $payer])['pay_rst']);
echo "done\n";
?>
--EXPECT--
16 operations
int(2500)
bool(true)
string(7) "success"
string(7) "success"
int(1000)
string(7) "success"
int(1000)
string(23) "Payup\DeclinedException"
string(8) "PAYC0003"
int(1000)
string(7) "success"
done
