// Networking end to end with the Debian guest: one VM on the user-mode NAT gets its address by
// DHCP, resolves a name through 10.0.2.3, pings the gateway, fetches a page from an HTTP server
// this test runs on 127.0.0.1 (through 10.0.2.2) and serves a page back through a port forward;
// two VMs on a `rvisor switch` ping each other and move a file with nc. Everything the test
// connects to is on 127.0.0.1 or inside the VMs it started.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer as createHttpServer, get as httpGet } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VmProcess } from '../helpers/vm-process.js';

const BIN = fileURLToPath(new URL('../../../bin/rvisor.js', import.meta.url));
const BOOT_TIMEOUT = 15 * 60_000;
const COMMAND_TIMEOUT = 3 * 60_000;
// eslint-disable-next-line no-control-regex -- busybox ash asks for the cursor position after its prompt
const PROMPT = /# (\x1b\[6n)?$/;

/** A port that was free a moment ago (for a forward the VM process opens itself). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function boot(vm: VmProcess): Promise<void> {
  await vm.waitFor('rvisor-initramfs: ready', BOOT_TIMEOUT);
  await vm.waitFor(PROMPT, COMMAND_TIMEOUT);
}

/** Run `command` in the guest; `tag` must be unique: the output ends at "<tag>-done". */
function sh(vm: VmProcess, command: string, tag: string, timeout = COMMAND_TIMEOUT): Promise<string> {
  if (process.env.RVISOR_TEST_VERBOSE) process.stderr.write(`[network.test] ${tag}: ${command}\n`);
  // $((...)) keeps the marker out of the echoed command line.
  return vm.run(`${command}; echo "${tag}-$((1000+1))"`, new RegExp(`${tag}-1001`), timeout);
}

function fetchText(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = httpGet(url, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(body));
      res.on('error', reject);
    });
    request.on('error', reject);
    request.setTimeout(COMMAND_TIMEOUT, () => request.destroy(new Error('HTTP request timed out')));
  });
}

const DHCP_SCRIPT =
  `printf '#!/bin/sh\\n[ "$1" = bound ] && ifconfig $interface $ip netmask $subnet up && ` +
  `route add default gw $router && echo "nameserver $dns" > /etc/resolv.conf\\nexit 0\\n' > /tmp/dhcp.sh; ` +
  `chmod +x /tmp/dhcp.sh`;

test(
  'user-mode NAT: DHCP, DNS, ping, HTTP from a host server via 10.0.2.2, port forward into the guest',
  { timeout: BOOT_TIMEOUT + 10 * COMMAND_TIMEOUT },
  async () => {
    const page = Buffer.alloc(300_000);
    for (let i = 0; i < page.length; i++) page[i] = 97 + ((i * 7 + (i >> 10)) % 26);
    const pageSum = createHash('sha256').update(page).digest('hex');
    const http = createHttpServer((req, res) => {
      if (req.url === '/hello') res.end('hello from the host\n');
      else res.end(page);
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const httpPort = (http.address() as AddressInfo).port;
    const forwardPort = await freePort();
    const vm = new VmProcess([
      '--append',
      'console=ttyS0 quiet',
      '--name',
      'net-test',
      '--nic',
      `user,hostfwd=tcp:127.0.0.1:${forwardPort}-:8080`,
    ]);
    try {
      await boot(vm);
      await sh(vm, DHCP_SCRIPT, 'script');
      const dhcp = await sh(
        vm,
        'ip link set eth0 up; udhcpc -i eth0 -n -q -t 5 -s /tmp/dhcp.sh; ip addr show eth0',
        'dhcp',
      );
      assert.match(dhcp, /lease of 10\.0\.2\.15 obtained from 10\.0\.2\.2/);
      assert.match(dhcp, /inet 10\.0\.2\.15\/24/);

      const dns = await sh(vm, 'nslookup localhost 10.0.2.3', 'dns');
      assert.match(dns, /Address:\s+127\.0\.0\.1/);
      const nx = await sh(vm, 'nslookup no-such-host.invalid 10.0.2.3', 'nx');
      assert.match(nx, /NXDOMAIN|can't find/);

      const ping = await sh(vm, 'ping -c 2 10.0.2.2', 'ping');
      assert.match(ping, /2 packets transmitted, 2 packets received/);

      const hello = await sh(vm, `wget -q -O - http://10.0.2.2:${httpPort}/hello`, 'hello');
      assert.match(hello, /hello from the host/);
      const big = await sh(vm, `wget -q -O - http://10.0.2.2:${httpPort}/big | sha256sum`, 'big');
      assert.match(big, new RegExp(`${pageSum}\\s+-`), 'the guest received the page damaged');

      await sh(
        vm,
        'mkdir -p /www && echo "served by the guest $((6*7))" > /www/index.html && httpd -p 8080 -h /www',
        'httpd',
      );
      const served = await fetchText(`http://127.0.0.1:${forwardPort}/index.html`);
      assert.equal(served, 'served by the guest 42\n');

      vm.child.stdin.write('poweroff -f\n');
      assert.equal(await vm.exitCode(COMMAND_TIMEOUT), 0);
    } finally {
      vm.kill();
      http.close();
    }
  },
);

test(
  'two VMs on a virtual switch ping each other and transfer a file with nc',
  { timeout: BOOT_TIMEOUT + 10 * COMMAND_TIMEOUT },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rvisor-net-'));
    const socket = join(dir, 'switch.sock');
    const hub = spawn(process.execPath, [BIN, 'switch', '--socket', socket], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let hubLog = '';
    hub.stderr.setEncoding('utf8');
    const listening = new Promise<void>((resolve, reject) => {
      hub.stderr.on('data', (chunk: string) => {
        hubLog += chunk;
        if (hubLog.includes('listening on')) resolve();
      });
      hub.on('exit', (code) => reject(new Error(`rvisor switch exited (${code}): ${hubLog}`)));
    });
    const vms: VmProcess[] = [];
    try {
      await listening;
      for (const n of [1, 2]) {
        vms.push(
          new VmProcess([
            '--append',
            'console=ttyS0 quiet',
            '--nic',
            `switch,socket=${socket},mac=52:54:00:77:00:0${n}`,
          ]),
        );
      }
      const [a, b] = vms;
      await Promise.all(vms.map(boot));
      await sh(a, 'ifconfig eth0 192.168.77.1 netmask 255.255.255.0 up', 'ipa');
      await sh(b, 'ifconfig eth0 192.168.77.2 netmask 255.255.255.0 up', 'ipb');
      const ping = await sh(a, 'ping -c 3 192.168.77.2', 'ping');
      assert.match(ping, /3 packets transmitted, 3 packets received/);
      const mac = await sh(b, 'ip neigh show 192.168.77.1', 'neigh');
      assert.match(mac, /52:54:00:77:00:01/);

      // B listens (stdin from a never-ending pipe, so nc does not half-close early); A sends.
      await sh(b, '(sleep 600 | nc -l -p 5000 > /tmp/received) & true', 'listen');
      await new Promise((resolve) => setTimeout(resolve, 3000));
      const sent = await sh(
        a,
        'dd if=/dev/urandom of=/tmp/payload bs=1024 count=512 2>/dev/null; sha256sum /tmp/payload; ' +
          'nc 192.168.77.2 5000 < /tmp/payload; echo "nc status $?"',
        'send',
      );
      assert.match(sent, /nc status 0/);
      const sentSum = /([0-9a-f]{64})\s+\/tmp\/payload/.exec(sent)?.[1];
      assert.ok(sentSum, `no checksum in: ${sent}`);
      let received = '';
      for (let i = 0; i < 30; i++) {
        received = await sh(b, 'jobs; wc -c < /tmp/received; sha256sum /tmp/received', `recv${i}`);
        if (received.includes(sentSum)) break;
        await new Promise((resolve) => setTimeout(resolve, 2000));
      }
      assert.match(received, new RegExp(`${sentSum}\\s+/tmp/received`), 'the file arrived damaged');
    } finally {
      for (const vm of vms) vm.kill();
      hub.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
