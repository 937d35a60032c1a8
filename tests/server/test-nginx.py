#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
# test-nginx.py: runs server/nginx-cairn.conf, as shipped, in a real nginx in
# front of a real cairn-server, and checks what a self-hoster relies on: the
# config loads, HTTPS reaches the API, the live WebSocket upgrades through
# it, other paths are 404, and plain HTTP redirects to HTTPS.
#
# usage: test-nginx.py CAIRN-SERVER NGINX-CONF
# Exits 77 (skipped) when nginx or openssl is not installed.

import base64
import http.client
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cairn_test_store import ServerStore  # noqa: E402  (a data folder, or PostgreSQL)

PASSWORD = "correct horse battery"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, proc, what):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"{what} exited early with status {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"{what} did not listen on port {port} within 30 s")


def adapt_config(text, server_port, https_port, http_port, tmp):
    """The shipped config with only what a test must change: ports,
    certificate paths, and no IPv6 listeners (the machine may lack IPv6)."""
    subs = [
        (r"server 127\.0\.0\.1:8080;", f"server 127.0.0.1:{server_port};"),
        (r"listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
        (r"listen 80;", f"listen 127.0.0.1:{http_port};"),
        (r"\n\s*listen \[::\]:\d+[^;]*;", ""),
        (r"/etc/letsencrypt/live/cairn\.example\.org/fullchain\.pem", f"{tmp}/cert.pem"),
        (r"/etc/letsencrypt/live/cairn\.example\.org/privkey\.pem", f"{tmp}/key.pem"),
    ]
    for pattern, repl in subs:
        text, n = re.subn(pattern, repl, text)
        if n == 0:
            sys.exit(f"the nginx example no longer contains /{pattern}/: update this test")
    return text


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: test-nginx.py CAIRN-SERVER NGINX-CONF")
    server_exe, conf_path = sys.argv[1], sys.argv[2]
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
    if nginx is None or shutil.which("openssl") is None:
        print("nginx or openssl is not installed (build-aux/install-deps.sh --tests)")
        return 77

    tmp = tempfile.mkdtemp(prefix="cairn-nginx-")
    procs = []
    try:
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                        "-subj", "/CN=cairn.example.org", "-keyout", f"{tmp}/key.pem",
                        "-out", f"{tmp}/cert.pem"], check=True, capture_output=True)

        env = dict(os.environ, CAIRN_SERVER_ARGON2_FAST="1")
        store = ServerStore(tmp)
        subprocess.run([server_exe, "user", "add", "alice", *store.args()],
                       input=PASSWORD + "\n", text=True, check=True, env=env, capture_output=True)
        server = subprocess.Popen([server_exe, "serve", *store.args(), "--listen", "127.0.0.1:0",
                                   "--trust-proxy"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        procs.append(server)
        line = server.stdout.readline()
        m = re.search(r"listening on http://127\.0\.0\.1:(\d+)", line)
        if not m:
            sys.exit(f"cairn-server did not say where it listens: {line!r}")
        server_port = int(m.group(1))

        https_port, http_port = free_port(), free_port()
        with open(conf_path) as f:
            site = adapt_config(f.read(), server_port, https_port, http_port, tmp)
        with open(f"{tmp}/cairn.conf", "w") as f:
            f.write(site)
        for d in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            os.makedirs(f"{tmp}/{d}", exist_ok=True)
        with open(f"{tmp}/nginx.conf", "w") as f:
            f.write(f"""daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log notice;
{"user root;" if os.geteuid() == 0 else ""}
events {{ }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    include {tmp}/cairn.conf;
}}
""")
        check = subprocess.run([nginx, "-t", "-p", tmp, "-c", f"{tmp}/nginx.conf"],
                               capture_output=True, text=True)
        if check.returncode != 0:
            sys.exit(f"nginx refuses the example config:\n{check.stderr}")

        proxy = subprocess.Popen([nginx, "-p", tmp, "-c", f"{tmp}/nginx.conf"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        procs.append(proxy)
        wait_for_port(https_port, proxy, "nginx")

        tls = ssl.create_default_context()
        tls.check_hostname = False
        tls.verify_mode = ssl.CERT_NONE

        def request(method, path, body=None, token=None):
            conn = http.client.HTTPSConnection("127.0.0.1", https_port, context=tls, timeout=30)
            headers = {"Host": "cairn.example.org"}
            if body is not None:
                headers["Content-Type"] = "application/json"
            if token:
                headers["Authorization"] = f"Bearer {token}"
            conn.request(method, path, body=json.dumps(body) if body is not None else None,
                         headers=headers)
            resp = conn.getresponse()
            text = resp.read().decode()
            conn.close()
            return resp.status, text

        status, text = request("GET", "/v1/health")
        assert status == 200 and json.loads(text)["status"] == "ok", (status, text)

        status, _ = request("GET", "/admin")
        assert status == 404, status

        status, text = request("POST", "/v1/session",
                               {"username": "alice", "password": PASSWORD, "device": "laptop"})
        assert status == 201, (status, text)
        token = json.loads(text)["token"]
        status, text = request("GET", "/v1/workspaces", token=token)
        assert status == 200, (status, text)
        ws = json.loads(text)["workspaces"][0]["id"]

        # The live WebSocket upgrades through the proxy.
        raw = tls.wrap_socket(socket.create_connection(("127.0.0.1", https_port), timeout=30),
                              server_hostname="cairn.example.org")
        key = base64.b64encode(os.urandom(16)).decode()
        raw.sendall((f"GET /v1/workspaces/{ws}/live?after=0 HTTP/1.1\r\n"
                     "Host: cairn.example.org\r\n"
                     "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                     f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                     f"Authorization: Bearer {token}\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = raw.recv(4096)
            if not chunk:
                break
            head += chunk
        assert head.startswith(b"HTTP/1.1 101"), head[:200]
        raw.close()

        # Plain HTTP is sent to HTTPS.
        conn = http.client.HTTPConnection("127.0.0.1", http_port, timeout=30)
        conn.request("GET", "/v1/health", headers={"Host": "cairn.example.org"})
        resp = conn.getresponse()
        assert resp.status == 301, resp.status
        assert resp.getheader("Location") == "https://cairn.example.org/v1/health", resp.getheader("Location")
        conn.close()

        print("nginx example config works in front of cairn-server")
        return 0
    finally:
        for p in reversed(procs):
            p.terminate()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
