--TEST--
payup: $client->onExchange(callable): one redacted event per exchange (success, decline, none for invalid, ambiguous and not_sent with status null), no canary in any; request-scoped on a persistent client
--EXTENSIONS--
payup
--FILE--
<?php
require __DIR__ . '/inc/helpers.inc';
const CARD = '4556737586899855';      // Luhn-valid: approved
const DECLINED = '4556737586070002';  // ends in 0002: declined
function canary(string $order, string $card = CARD): array {
    $r = keyin($order, 1004, $card);
    $r['birthday'] = '731205';
    $r['card_pw'] = '47';
    return $r;
}
function clean(array $e): bool {
    $text = json_encode($e, JSON_UNESCAPED_SLASHES);
    foreach ([CARD, DECLINED, '731205', '"47"', '25bcd7a82f5b4058818462cc7715964c'] as $s) {
        if (str_contains($text, $s)) { echo "LEAK $s: $text\n"; return false; }
    }
    return true;
}
$sb = new Payup\Sandbox();
$events = [];
$client = new Payup\Client($sb->clientConfig());
$client->onExchange(function (array $e) use (&$events) { $events[] = $e; });

$client->payupKeyinApprove(canary(order('EV')));
[$e] = $events; $events = [];
var_dump(array_keys($e), $e['status'], $e['outcome'], $e['request_body']['cardNo'], $e['request_body']['cardPw'], clean($e));

var_dump(get_class(thrown(fn() => $client->payupKeyinApprove(canary(order('EV'), DECLINED)))));
[$e] = $events; $events = [];
var_dump($e['status'], $e['outcome']['kind'], $e['outcome']['gateway_code'], clean($e));

$bad = canary(order('EV')); $bad['expire_month'] = '13';
var_dump(get_class(thrown(fn() => $client->payupKeyinApprove($bad))), count($events));

$sb->armFault('payup.keyin.approve', 'drop_after_commit');
var_dump(get_class(thrown(fn() => $client->payupKeyinApprove(canary(order('EV'))))));
[$e] = $events; $events = [];
var_dump($e['status'], $e['outcome']['kind'], $e['response_body'], clean($e));

$closed = $sb->clientConfig(); $closed['payup']['base_url'] = 'http://127.0.0.1:9';
$ns = new Payup\Client($closed);
$ns->onExchange(function (array $e) use (&$events) { $events[] = $e; });
var_dump(get_class(thrown(fn() => $ns->payupKeyinApprove(canary(order('EV'))))));
[$e] = $events; $events = [];
var_dump($e['status'], $e['outcome']['kind'], clean($e));

// Persistent: the callable belongs to its object; another object on the same libpayup client gets none.
$p1 = new Payup\Client($sb->clientConfig(), ['persistent' => true]);
$p1->onExchange(function (array $e) use (&$events) { $events[] = 'p1'; });
$p2 = new Payup\Client($sb->clientConfig(), ['persistent' => true]);
$p2->payupKeyinApprove(keyin(order('EV')));
var_dump($events);
$p1->payupKeyinApprove(keyin(order('EV')));
var_dump($events); $events = [];
$p1->onExchange(null);
$p1->payupKeyinApprove(keyin(order('EV')));
var_dump($events);

// A throwing callable: a warning, and the approval's result still arrives.
$t = new Payup\Client($sb->clientConfig());
$t->onExchange(function () { throw new RuntimeException('boom'); });
var_dump($t->payupKeyinApprove(keyin(order('EV')))['amount']);
var_dump(get_class(thrown(fn() => $t->onExchange('no_such_function'))));
?>
--EXPECTF--
array(9) {
  [0]=>
  string(9) "operation"
  [1]=>
  string(7) "gateway"
  [2]=>
  string(6) "method"
  [3]=>
  string(3) "url"
  [4]=>
  string(6) "status"
  [5]=>
  string(11) "duration_ms"
  [6]=>
  string(12) "request_body"
  [7]=>
  string(13) "response_body"
  [8]=>
  string(7) "outcome"
}
int(200)
array(3) {
  ["kind"]=>
  string(7) "success"
  ["gateway_code"]=>
  NULL
  ["payup_code"]=>
  NULL
}
string(16) "455673******9855"
string(3) "***"
bool(true)
string(23) "Payup\DeclinedException"
int(200)
string(8) "declined"
string(4) "9101"
bool(true)
string(29) "Payup\InvalidRequestException"
int(0)
string(31) "Payup\AmbiguousOutcomeException"
NULL
string(9) "ambiguous"
NULL
bool(true)
string(22) "Payup\NotSentException"
NULL
string(8) "not_sent"
bool(true)
array(0) {
}
array(1) {
  [0]=>
  string(2) "p1"
}
array(0) {
}

Warning: Payup\Client::payupKeyinApprove(): the onExchange callback threw an exception; it was discarded in %s on line %d
int(1004)
string(9) "TypeError"
