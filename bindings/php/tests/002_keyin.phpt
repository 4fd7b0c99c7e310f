--TEST--
payup: Payup keyin and KCP keyin approve and cancel against Payup\Sandbox, typed and generic
--EXTENSIONS--
payup
--FILE--
<?php
require __DIR__ . '/inc/helpers.inc';
$sb = new Payup\Sandbox();
var_dump(str_starts_with($sb->baseUrl(), 'http://127.0.0.1:'));
$client = new Payup\Client($sb->clientConfig());
$o = order('K');
$r = $client->payupKeyinApprove(keyin($o));
var_dump($r['amount'], $r['order_number'] === $o, $r['response_code'], strlen($r['transaction_id']));
$tx = $sb->transactions();
var_dump(array_is_list($tx), end($tx)['status']);
$c = $client->payupKeyinCancel(['transaction_id' => $r['transaction_id']]);
var_dump($c['transaction_id'] === $r['transaction_id']);
$e = thrown(fn() => $client->payupKeyinCancel(['transaction_id' => $r['transaction_id']]));
var_dump(get_class($e), $e->getGatewayCode(), $e->getGateway(), $e->isRetrySafe());

// generic call: the same document
$g = $client->call('payup.keyin.approve', keyin(order('G'), 2000));
var_dump($g['amount']);
var_dump($client->call('payup.keyin.cancel', ['transaction_id' => $g['transaction_id']])['response_code']);

// README's KCP examples
$k = $client->kcpKeyinApprove(['ordr_idxx' => order('KCP'), 'good_name' => '상품', 'buyr_name' => '홍길동', 'amount' => 1000,
    'card_no' => '4111111111111111', 'card_expiry' => '3012', 'card_taxno' => '890302', 'card_pwd' => '12']);
var_dump(isset($k['tno']), $k['amount']);
$p = $client->kcpCancel(['tno' => $k['tno'], 'mod_type' => 'STPC', 'mod_desc' => '부분취소', 'mod_mny' => 300, 'rem_mny' => 1000]);
var_dump(is_array($p));
$f = $client->kcpCancel(['tno' => $k['tno'], 'mod_type' => 'STSC', 'mod_desc' => '취소']);
var_dump(is_array($f));
$sb->close();
$sb->close();
var_dump(get_class(thrown(fn() => $sb->baseUrl())));
?>
--EXPECT--
bool(true)
int(1004)
bool(true)
string(4) "0000"
int(20)
bool(true)
string(8) "approved"
bool(true)
string(23) "Payup\DeclinedException"
string(4) "1005"
string(5) "payup"
bool(false)
int(2000)
string(4) "0000"
bool(true)
int(1000)
bool(true)
bool(true)
string(21) "Payup\ConfigException"
