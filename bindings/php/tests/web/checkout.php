<?php
// The page scripts/test-php-ext requests through php-fpm (cgi-fcgi): approve and cancel 1,004 KRW against the
// sandbox named by the PAYUP_CLIENT_CONFIG parameter, with a persistent client (one per worker and config).
// Answers one JSON line: {"ok", "pid", "persistent_clients", "transaction_id", "events"} or {"ok": false, "error"}.
// onExchange is request-scoped on the persistent client: the approval runs before this request sets one, so a
// callable of an earlier request (whose closure is gone) that stayed on the shared libpayup client would show up
// here (or crash the worker); only the cancel's exchange may reach this request's callable.
declare(strict_types=1);

header('Content-Type: application/json');
$config = file_get_contents($_SERVER['PAYUP_CLIENT_CONFIG']);

/** The number of persistent libpayup clients of this worker (phpinfo's payup section). */
function persistent_clients(): int {
    ob_start();
    phpinfo(INFO_MODULES);
    $info = strip_tags(ob_get_clean());
    return preg_match('/persistent clients \(this process\)\s*(?:=>\s*)?(\d+)/', $info, $m) ? (int)$m[1] : -1;
}

try {
    $client = new Payup\Client($config, ['persistent' => true]);
    $order = 'W' . substr((string)hrtime(true), -15);   // at most 20 bytes
    $r = $client->payupKeyinApprove(['order_number' => $order, 'card_no' => '4111111111111111', 'expire_month' => '12',
        'expire_year' => '30', 'birthday' => '890302', 'card_pw' => '12', 'amount' => 1004, 'quota' => 0,
        'item_name' => '상품', 'user_name' => '홍길동']);
    $events = [];
    $client->onExchange(function (array $e) use (&$events) { $events[] = $e['operation'] . ' ' . $e['outcome']['kind']; });
    $c = $client->payupKeyinCancel(['transaction_id' => $r['transaction_id']]);
    $ok = $c['transaction_id'] === $r['transaction_id'] && $events === ['payup.keyin.cancel success'];
    echo json_encode(['ok' => $ok, 'events' => $events, 'pid' => getmypid(),
        'persistent_clients' => persistent_clients(), 'transaction_id' => $r['transaction_id']]), "\n";
} catch (Payup\PayupException $e) {
    http_response_code(502);
    echo json_encode(['ok' => false, 'pid' => getmypid(), 'error' => $e->getKind() . ': ' . $e->getMessage()]), "\n";
}
