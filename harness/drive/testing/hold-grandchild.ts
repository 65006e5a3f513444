/**
 * A harness that is interrupted mid-run, for subprocess.test.ts: it starts the
 * grandchild-hang fixture through the subprocess driver and waits (the hello
 * timeout is far away) until the test sends it SIGINT or SIGTERM.
 * Usage: node --import tsx harness/drive/testing/hold-grandchild.ts PID_FILE
 */
import { SubprocessDriver } from '../subprocess.ts';

const pidFile = process.argv[2]!;
const driver = new SubprocessDriver({
  timeoutMs: 60_000,
  command: { argv: [process.execPath, 'fixtures/misbehaving/grandchild-hang/main.mjs', pidFile] },
});
driver.start().catch((error: unknown) => process.stderr.write(`hold-grandchild: ${String(error)}\n`));
