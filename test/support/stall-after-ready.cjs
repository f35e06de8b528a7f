// Test-only preload (node --require): right after the process prints its readiness line, stall it
// for 300 ms as if the scheduler had taken the CPU away just after the write, so a test that
// signals the moment it reads the line lands in that window (test/kubelet/signal-on-ready.test.ts).
const log = console.log;
console.log = (...args) => {
  log(...args);
  if (/ ready: |hollow nodes ready|listening on /.test(String(args[0]))) {
    const end = Date.now() + 300;
    while (Date.now() < end) {
      // busy: no turn of the event loop, exactly as if descheduled
    }
  }
};
