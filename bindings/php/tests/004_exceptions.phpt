--TEST--
payup: every exception class and its getters, from core's error document
--EXTENSIONS--
payup
--FILE--
<?php
require __DIR__ . '/inc/helpers.inc';
$sb = new Payup\Sandbox();
$config = $sb->clientConfig();
$client = new Payup\Client($config);
function show(?Throwable $e): void {
    echo get_class($e), ' kind=', $e->getKind(), ' gateway=', var_export($e->getGateway(), true),
        ' gateway_code=', var_export($e->getGatewayCode(), true), ' payup_code=', var_export($e->getPayupCode(), true),
        ' field=', var_export($e->getField(), true), ' retry_safe=', var_export($e->isRetrySafe(), true),
        ' ambiguous=', gettype($e->getAmbiguous()), ' runtime=', var_export($e instanceof RuntimeException, true), "\n";
}
// invalid: a broken field, named
$e = thrown(fn() => $client->payupKeyinApprove(['order_number' => 'X'] + keyin('X', -5)));
show($e);
var_dump(str_contains($e->getMessage(), 'amount'));
// config: a bad document, a missing section
show(thrown(fn() => new Payup\Client('{not json')));
show(thrown(fn() => new Payup\Client(['env' => 'nowhere'])));
$nokcp = $config; unset($nokcp['kcp']);
show(thrown(fn() => (new Payup\Client($nokcp))->kcpCancel(['tno' => '1', 'mod_type' => 'STSC', 'mod_desc' => 'x'])));
// declined: the sandbox's declined card
show(thrown(fn() => $client->payupKeyinApprove(keyin(order('D'), 1004, '4000000000000002'))));
// not_sent: nothing listens there
$closed = $config; $closed['payup']['base_url'] = 'http://127.0.0.1:1';
show(thrown(fn() => (new Payup\Client($closed))->payupKeyinApprove(keyin(order('N')))));
// ambiguous: the answer is lost after the gateway committed
$sb->armFault('payup.keyin.approve', 'drop_after_commit');
$o = order('A');
$e = thrown(fn() => $client->payupKeyinApprove(keyin($o)));
show($e);
var_dump(in_array($o, $e->getAmbiguous(), true) || str_contains(json_encode($e->getAmbiguous()), $o));
// an unknown operation, and the generic getters on the base class
show(thrown(fn() => $client->call('no.such.op', [])));
var_dump(get_class(thrown(fn() => $sb->armFault('payup.keyin.approve', 'no_such_fault'))));
var_dump(get_class(thrown(fn() => $sb->armFault('no.such', 'delay'))));
?>
--EXPECTF--
Payup\InvalidRequestException kind=invalid gateway=%s gateway_code=NULL payup_code=NULL field='amount' retry_safe=true ambiguous=NULL runtime=true
bool(true)
Payup\ConfigException kind=config gateway=NULL gateway_code=NULL payup_code=NULL field='(config)' retry_safe=true ambiguous=NULL runtime=true
Payup\ConfigException kind=config gateway=NULL gateway_code=NULL payup_code=NULL field='env' retry_safe=true ambiguous=NULL runtime=true
Payup\ConfigException kind=config gateway='kcp' gateway_code=NULL payup_code=NULL field=NULL retry_safe=true ambiguous=NULL runtime=true
Payup\DeclinedException kind=declined gateway='payup' gateway_code='9101' payup_code=NULL field=NULL retry_safe=false ambiguous=NULL runtime=true
Payup\NotSentException kind=not_sent gateway=%s gateway_code=NULL payup_code=NULL field=NULL retry_safe=true ambiguous=NULL runtime=true
Payup\AmbiguousOutcomeException kind=ambiguous gateway='payup' gateway_code=NULL payup_code=%s field=NULL retry_safe=false ambiguous=array runtime=true
bool(true)
Payup\InvalidRequestException kind=invalid gateway=NULL gateway_code=NULL payup_code=NULL field=%s retry_safe=true ambiguous=NULL runtime=true
string(29) "Payup\InvalidRequestException"
string(29) "Payup\InvalidRequestException"
