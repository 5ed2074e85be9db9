import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  RTC_ALARM_HIGH,
  RTC_ALARM_LOW,
  RTC_ALARM_STATUS,
  RTC_CLEAR_ALARM,
  RTC_CLEAR_INTERRUPT,
  RTC_IRQ_ENABLED,
  RTC_TIME_HIGH,
  RTC_TIME_LOW,
  RtcGoldfish,
} from './rtc-goldfish.js';

function setup(start = 0x1_2345_6789_abcdn) {
  const clock = { ns: start };
  const line = { level: false };
  const rtc = new RtcGoldfish({ set: (level) => (line.level = level) }, () => clock.ns);
  return { clock, line, rtc };
}

test('reading TIME_LOW latches TIME_HIGH', () => {
  const { clock, rtc } = setup(0x0000_0001_ffff_fff0n);
  assert.equal(rtc.read(RTC_TIME_LOW, 4), 0xffff_fff0);
  clock.ns += 0x20n; // the low half wraps before the driver reads the high half
  assert.equal(rtc.read(RTC_TIME_HIGH, 4), 1, 'high half as of the TIME_LOW read');
  assert.equal(rtc.read(RTC_TIME_LOW, 4), 0x10);
  assert.equal(rtc.read(RTC_TIME_HIGH, 4), 2);
});

test('setting the time keeps following the host clock', () => {
  const { clock, rtc } = setup();
  rtc.write(RTC_TIME_HIGH, 0x10, 4);
  rtc.write(RTC_TIME_LOW, 0x100, 4);
  assert.equal(rtc.now(), 0x10_0000_0100n);
  clock.ns += 5n;
  assert.equal(rtc.now(), 0x10_0000_0105n);
});

test('alarm fires when due, raises the line only when enabled, and clears', () => {
  const { clock, line, rtc } = setup(1000n);
  rtc.write(RTC_ALARM_HIGH, 0, 4);
  rtc.write(RTC_ALARM_LOW, 2000, 4);
  assert.equal(rtc.read(RTC_ALARM_STATUS, 4), 1);
  assert.equal(rtc.nextAlarmNs(), 2000n);
  clock.ns = 1999n;
  rtc.update();
  assert.equal(line.level, false);
  clock.ns = 2000n;
  rtc.update();
  assert.equal(rtc.read(RTC_ALARM_STATUS, 4), 0, 'one-shot');
  assert.equal(line.level, false, 'interrupt not enabled');
  rtc.write(RTC_IRQ_ENABLED, 1, 4);
  assert.equal(line.level, true);
  rtc.write(RTC_CLEAR_INTERRUPT, 1, 4);
  assert.equal(line.level, false);

  rtc.write(RTC_ALARM_LOW, 500, 4); // already past: fires at once
  assert.equal(line.level, true);
  rtc.write(RTC_CLEAR_INTERRUPT, 1, 4);
  rtc.write(RTC_ALARM_LOW, 9000, 4);
  rtc.write(RTC_CLEAR_ALARM, 1, 4);
  assert.equal(rtc.read(RTC_ALARM_STATUS, 4), 0);
  assert.equal(rtc.nextAlarmNs(), undefined);
});

test('save/restore through JSON keeps the guest offset against the host clock', () => {
  const a = setup(1000n);
  a.rtc.write(RTC_TIME_LOW, 5000, 4);
  a.rtc.write(RTC_IRQ_ENABLED, 1, 4);
  a.rtc.write(RTC_ALARM_LOW, 100, 4);
  const b = setup(2000n);
  b.rtc.restore(JSON.parse(JSON.stringify(a.rtc.save())));
  assert.equal(b.rtc.now(), 6000n);
  assert.equal(b.line.level, true);
});
