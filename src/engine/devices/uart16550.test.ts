import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LSR_DR, LSR_TEMT, LSR_THRE, UART_FIFO_SIZE, Uart16550 } from './uart16550.js';

const RBR = 0;
const IER = 1;
const IIR = 2;
const FCR = 2;
const LCR = 3;
const MCR = 4;
const LSR = 5;
const MSR = 6;
const SCR = 7;

function setup() {
  const line = { level: false, edges: 0 };
  const sent: number[] = [];
  const uart = new Uart16550(
    {
      set(level: boolean) {
        if (level !== line.level) line.edges++;
        line.level = level;
      },
    },
    (byte) => sent.push(byte),
  );
  return { uart, line, sent };
}

test('transmit goes to the output callback; LSR reports THR and transmitter empty', () => {
  const { uart, sent } = setup();
  for (const c of 'hi\n') uart.write(RBR, c.charCodeAt(0), 1);
  assert.deepEqual(sent, [0x68, 0x69, 0x0a]);
  assert.equal(uart.read(LSR, 1), LSR_THRE | LSR_TEMT);
});

test('receive FIFO keeps order and applies back-pressure when full', () => {
  const { uart } = setup();
  uart.write(FCR, 0x07, 1); // enable and clear FIFOs
  const bytes = Uint8Array.from({ length: 20 }, (_, i) => 0x40 + i);
  assert.equal(uart.receive(bytes), UART_FIFO_SIZE);
  assert.equal(uart.canReceive(), false);
  assert.equal(uart.receive([1, 2]), 0);
  assert.equal(uart.read(LSR, 1) & LSR_DR, LSR_DR);
  let readyCalls = 0;
  uart.onReceiveReady = () => readyCalls++;
  const got: number[] = [];
  while (uart.read(LSR, 1) & LSR_DR) got.push(uart.read(RBR, 1));
  assert.deepEqual(got, Array.from(bytes.subarray(0, UART_FIFO_SIZE)));
  assert.equal(readyCalls, 1, 'the host hears once that it can resume');
  assert.equal(uart.receive(bytes.subarray(UART_FIFO_SIZE)), 4);
  assert.equal(uart.read(RBR, 1), 0x40 + UART_FIFO_SIZE);
});

test('with FIFOs disabled the receiver holds one byte (16450 mode)', () => {
  const { uart } = setup();
  assert.equal(uart.receive([1, 2, 3]), 1);
  assert.equal(uart.read(IIR, 1) & 0xc0, 0, 'no FIFO bits in IIR');
  uart.write(FCR, 0x01, 1);
  assert.equal(uart.read(IIR, 1) & 0xc0, 0xc0, 'FIFO-enabled bits in IIR');
  assert.equal(uart.read(LSR, 1) & LSR_DR, 0, 'enabling the FIFOs clears them');
});

test('received-data interrupt: IER bit 0, trigger level and timeout identification', () => {
  const { uart, line } = setup();
  uart.write(FCR, 0x81, 1); // FIFO on, trigger level 8
  uart.receive([1, 2, 3]);
  assert.equal(line.level, false, 'interrupt not enabled yet');
  uart.write(IER, 0x01, 1);
  assert.equal(line.level, true);
  assert.equal(uart.read(IIR, 1), 0xc0 | 0x0c, 'below the trigger level: character timeout');
  uart.receive([4, 5, 6, 7, 8]);
  assert.equal(uart.read(IIR, 1), 0xc0 | 0x04, 'at the trigger level: data available');
  for (let i = 0; i < 8; i++) uart.read(RBR, 1);
  assert.equal(line.level, false, 'draining the FIFO lowers the line');
  assert.equal(uart.read(IIR, 1), 0xc0 | 0x01);
});

test('THR-empty interrupt: raised on enabling, cleared by reading IIR or writing THR', () => {
  const { uart, line } = setup();
  uart.write(IER, 0x02, 1);
  assert.equal(line.level, true, 'enabling ETBEI with THR empty raises it');
  assert.equal(uart.read(IIR, 1), 0x02);
  assert.equal(line.level, false, 'reading IIR while THRE is the source clears it');
  assert.equal(uart.read(IIR, 1), 0x01);
  uart.write(RBR, 0x41, 1);
  assert.equal(line.level, true, 'THR empty again after transmitting');
  uart.write(IER, 0x00, 1);
  assert.equal(line.level, false, 'masked by IER');
  uart.write(IER, 0x02, 1);
  assert.equal(line.level, true);
});

test('IIR reports the highest priority source: data before THRE before modem status', () => {
  const { uart } = setup();
  uart.write(MCR, 0x10, 1); // loopback: modem inputs follow MCR outputs
  uart.write(MCR, 0x12, 1); // RTS -> CTS changes: DCTS
  uart.write(IER, 0x0f, 1);
  uart.receive([0x55]);
  assert.equal(uart.read(IIR, 1), 0x04);
  uart.read(RBR, 1);
  assert.equal(uart.read(IIR, 1), 0x02);
  assert.equal(uart.read(IIR, 1), 0x00, 'modem status is the lowest priority');
  assert.equal(uart.read(MSR, 1) & 0x11, 0x11, 'CTS with its delta');
  assert.equal(uart.read(IIR, 1), 0x01, 'reading MSR clears the deltas');
});

test('loopback sends transmitted bytes to the receiver and maps MCR onto MSR', () => {
  const { uart, sent } = setup();
  uart.write(MCR, 0x1a, 1); // LOOP | OUT2 | RTS, what Linux's 8250 probe writes
  assert.equal(uart.read(MSR, 1) & 0xf0, 0x90, 'DCD | CTS');
  uart.write(RBR, 0x5a, 1);
  assert.deepEqual(sent, []);
  assert.equal(uart.read(RBR, 1), 0x5a);
  uart.write(MCR, 0, 1);
  assert.equal(uart.read(MSR, 1) & 0xf0, 0xb0, 'outside loopback: DCD, DSR, CTS');
});

test('divisor latch and scratch register', () => {
  const { uart, sent } = setup();
  uart.write(IER, 0x05, 1);
  uart.write(LCR, 0x83, 1); // DLAB, 8N1
  uart.write(RBR, 0x0c, 1);
  uart.write(IER, 0x00, 1);
  assert.equal(uart.read(RBR, 1), 0x0c);
  assert.equal(uart.read(IER, 1), 0x00);
  assert.deepEqual(sent, [], 'DLL writes do not transmit');
  uart.write(LCR, 0x03, 1);
  assert.equal(uart.read(IER, 1), 0x05, 'IER was not touched by the DLM write');
  assert.equal(uart.read(LCR, 1), 0x03);
  uart.write(SCR, 0xa5, 1);
  assert.equal(uart.read(SCR, 1), 0xa5);
});

test('save/restore through JSON', () => {
  const a = setup();
  a.uart.write(FCR, 0x01, 1);
  a.uart.write(IER, 0x01, 1);
  a.uart.receive([7, 8, 9]);
  const b = setup();
  b.uart.restore(JSON.parse(JSON.stringify(a.uart.save())));
  assert.equal(b.line.level, true);
  assert.deepEqual([b.uart.read(RBR, 1), b.uart.read(RBR, 1), b.uart.read(RBR, 1)], [7, 8, 9]);
});
