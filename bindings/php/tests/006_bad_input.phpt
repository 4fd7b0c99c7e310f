--TEST--
payup: bad input gives clear exceptions and no crash
--EXTENSIONS--
payup
--FILE--
<?php
require __DIR__ . '/inc/helpers.inc';
$valgrind = getenv('USE_ZEND_ALLOC') === '0';   // run-tests.php -m: smaller "huge" documents
$sb = new Payup\Sandbox();
$client = new Payup\Client($sb->clientConfig());
function show(?Throwable $e): void { echo $e === null ? 'no exception' : get_class($e) . ': ' . $e->getMessage(), "\n"; }

show(thrown(fn() => $client->payupKeyinApprove('not an array')));               // TypeError
show(thrown(fn() => $client->call('payup.keyin.approve', null)));
show(thrown(fn() => $client->call('payup.keyin.approve', [1, 2, 3])));          // a list, not an object
show(thrown(fn() => $client->call('payup.keyin.approve', ['amount' => ['nested' => [new stdClass, [[[]]]]]] + keyin('B1'))));
show(thrown(fn() => $client->call('payup.keyin.approve', ['user_name' => "\xff\xfe"] + keyin('B2'))));   // invalid UTF-8
$fh = fopen('php://memory', 'r');
show(thrown(fn() => $client->call('payup.keyin.approve', ['x' => $fh] + keyin('B3'))));              // resource
$self = ['a' => 1]; $self['me'] = &$self;
show(thrown(fn() => $client->call('payup.keyin.approve', $self)));                                  // recursion
$deep = []; for ($i = 0; $i < 2000; $i++) { $deep = ['d' => $deep]; }
show(thrown(fn() => $client->call('payup.keyin.approve', $deep)));                                  // depth
show(thrown(fn() => $client->call('payup.keyin.approve', ['amount' => NAN] + keyin('B4'))));
show(thrown(fn() => $client->call('payup.keyin.approve', ['item_name' => str_repeat('가', $valgrind ? 1 << 18 : 1 << 20)] + keyin('B5'))));  // 3 MB
$huge = keyin('B6'); for ($i = 0; $i < ($valgrind ? 3000 : 100000); $i++) { $huge["extra_$i"] = $i; }
$e = thrown(fn() => $client->call('payup.keyin.approve', $huge));
echo get_class($e), "\n";
show(thrown(fn() => $client->call("payup.keyin.approve\0x", keyin('B7'))));
show(thrown(fn() => $client->call('', [])));
show(thrown(fn() => new Payup\Client("{\"env\": \"test\"}\0junk")));
show(thrown(fn() => new Payup\Client('')));
show(thrown(fn() => new Payup\Client('[]')));
show(thrown(fn() => new Payup\Client(['payup' => "\xff"])));
show(thrown(fn() => new Payup\Client(42)));
show(thrown(fn() => new Payup\Sandbox(['nonsense' => true])));
show(thrown(fn() => $sb->armFault('payup.keyin.approve', 'delay', ['times' => -1])));
$c = new Payup\Client([]);
show(thrown(fn() => $c->__construct([])));
echo "alive\n";
?>
--EXPECTF--
TypeError: Payup\Client::payupKeyinApprove(): Argument #1 ($request) must be of type array, string given
TypeError: Payup\Client::call(): Argument #2 ($request) must be of type array, null given
Payup\InvalidRequestException: %s
Payup\InvalidRequestException: %s
Payup\InvalidRequestException: the request has a string that is not valid UTF-8
Payup\InvalidRequestException: the request holds a value JSON cannot carry (a resource, a closure)
Payup\InvalidRequestException: the request refers to itself
Payup\InvalidRequestException: the request nested too deeply
Payup\InvalidRequestException: the request has INF or NAN
Payup\InvalidRequestException: %s
Payup\InvalidRequestException
Payup\InvalidRequestException: the operation name contains a NUL byte
Payup\InvalidRequestException: %s
Payup\ConfigException: the configuration contains a NUL byte
Payup\ConfigException: %s
Payup\ConfigException: %s
Payup\ConfigException: the configuration has a string that is not valid UTF-8
Payup\ConfigException: %s
%s
Payup\InvalidRequestException: armFault: %s
Error: Payup\Client is already constructed
alive
