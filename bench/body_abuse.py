#!/usr/bin/env python3
"""Anonymous 1 MiB bodies on one tenant's webhook URL while another tenant delivers (bench/body-abuse.sh).

usage: body_abuse.py PORT PID ADMIN_TOKEN [CONNECTIONS [ADDRESSES [SECONDS]]]

Creates tenants "abused" (max_concurrent 1000) and "bystander" (a rate its deliveries stay under), then opens CONNECTIONS connections to
/webhooks/abused/shopify from ADDRESSES loopback addresses (127.0.0.2...), each declaring 1 MiB, sending all but its
last byte with a forged signature and then stalling, while the bystander sends signed deliveries one after another
for SECONDS. VmRSS of PID is sampled every 0.2 s. Prints one JSON line.
"""
import base64, hashlib, hmac, http.client, json, os, socket, sys, threading, time

port, pid, token = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
conns = int(sys.argv[4]) if len(sys.argv) > 4 else 250
addrs = int(sys.argv[5]) if len(sys.argv) > 5 else 25
seconds = float(sys.argv[6]) if len(sys.argv) > 6 else 20
DECLARED = 1024 * 1024


def admin_tenant(slug, secret, limits):
    body = {"slug": slug, "name": slug,
            "gorgias": {"domain": slug, "username": "agent@%s.example" % slug, "api_key": "gk-%s-0123456789" % slug},
            "shopify": {"shop_domain": slug + ".myshopify.com", "access_token": "shpat_%s_0123456789" % slug,
                        "webhook_secret": secret}}
    if limits:
        body["limits"] = limits
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("POST", "/admin/tenants", json.dumps(body),
              {"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    r = c.getresponse()
    r.read()
    c.close()
    if r.status != 201:
        sys.exit("could not create tenant %s: %s" % (slug, r.status))


def rss():
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def alive():
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False


admin_tenant("abused", "abused-webhook-secret", {"max_concurrent": 1000})
admin_tenant("bystander", "bystander-webhook-secret", {"rate_per_minute": 100000, "burst": 10000})

peak = [0]
stop = threading.Event()
release = threading.Event()
sent, cut = [0], [0]
lock = threading.Lock()


def sampler():
    while not stop.is_set():
        peak[0] = max(peak[0], rss())
        time.sleep(0.2)


def attacker(i):
    s = socket.socket()
    try:
        s.bind(("127.0.0.%d" % (2 + i % addrs), 0))
        s.settimeout(60)
        s.connect(("127.0.0.1", port))
        head = ("POST /webhooks/abused/shopify HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                "X-Shopify-Hmac-Sha256: %s\r\nX-Shopify-Shop-Domain: abused.myshopify.com\r\n"
                "X-Shopify-Topic: orders/create\r\nContent-Length: %d\r\n\r\n"
                % (base64.b64encode(bytes(32)).decode(), DECLARED))
        s.sendall(head.encode())
        chunk = b" " * 65536
        left = DECLARED - 1
        while left > 0:
            n = min(left, len(chunk))
            s.sendall(chunk[:n])
            left -= n
        with lock:
            sent[0] += 1
    except OSError:
        with lock:
            cut[0] += 1
    release.wait(120)
    s.close()


threading.Thread(target=sampler, daemon=True).start()
attackers = [threading.Thread(target=attacker, args=(i,), daemon=True) for i in range(conns)]
for t in attackers:
    t.start()

statuses, millis, failures = [], [], []
end = time.time() + seconds
n = 0
while time.time() < end and alive():  # one delivery at a time, a new connection each (as Shopify sends)
    body = json.dumps({"id": n}).encode()
    sig = base64.b64encode(hmac.new(b"bystander-webhook-secret", body, hashlib.sha256).digest()).decode()
    t0 = time.time()
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        c.request("POST", "/webhooks/bystander/shopify", body,
                  {"Content-Type": "application/json", "X-Shopify-Hmac-Sha256": sig,
                   "X-Shopify-Shop-Domain": "bystander.myshopify.com", "X-Shopify-Topic": "orders/create",
                   "X-Shopify-Event-Id": "by-%d-%d" % (os.getpid(), n)})
        r = c.getresponse()
        answer = r.read()
        statuses.append(r.status)
        if r.status != 202:
            failures.append("%d %s" % (r.status, answer[:120].decode(errors="replace")))
        c.close()
    except OSError as e:
        statuses.append(-1)
        failures.append("no answer: %r" % e)
    millis.append((time.time() - t0) * 1000)
    n += 1
    time.sleep(0.05)

still_alive = alive()
peak[0] = max(peak[0], rss())
release.set()
stop.set()
ok = sum(1 for s in statuses if s == 202)
refused = {}
if still_alive:
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        c.request("GET", "/observe/metrics")
        for line in c.getresponse().read().decode().splitlines():
            if line.startswith("tollgate_ingress_refused_total{"):
                reason = line.split('reason="', 1)[1].split('"', 1)[0]
                refused[reason] = int(float(line.rsplit(" ", 1)[1]))
        c.close()
    except OSError:
        pass
lat = sorted(millis)
pct = lambda p: round(lat[min(len(lat) - 1, int(p * len(lat)))]) if lat else None
print(json.dumps({"alive": still_alive, "peak_rss_mib": round(peak[0] / 1048576), "attack_bodies_written": sent[0],
                  "attack_connections_cut": cut[0], "refused": refused, "bystander_ok": ok, "bystander_total": len(statuses),
                  "bystander_p50_ms": pct(0.5), "bystander_p99_ms": pct(0.99),
                  "bystander_failures": failures[:5]}))
