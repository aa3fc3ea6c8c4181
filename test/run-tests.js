#!/usr/bin/env node
// `npm test`: builds both apps, then runs the unit specs, the end-to-end suites (SQLite and PostgreSQL),
// the Swagger UI check in headless Chromium (skipped without /usr/bin/chromium unless TEST_REQUIRE_BROWSER=true),
// and last, alone (test/serial), the suites that stop PostgreSQL or measure time. Prints one closing line:
// "N passed, N failed, N skipped".
const { spawnSync } = require('node:child_process');
const { mkdtempSync, readFileSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const root = join(__dirname, '..');
const jest = join(root, 'node_modules', 'jest', 'bin', 'jest.js');
const reports = mkdtempSync(join(tmpdir(), 'argilla-test-reports-'));
const extraArgs = process.argv.slice(2);

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: process.env });
  return result.status ?? 1;
}

const totals = { passed: 0, failed: 0, skipped: 0 };
let failedSteps = [];

function jestStep(name, config) {
  const report = join(reports, `${name}.json`);
  const status = run(process.execPath, [jest, '--config', config, '--json', '--outputFile', report, ...extraArgs]);
  try {
    const result = JSON.parse(readFileSync(report, 'utf8'));
    totals.passed += result.numPassedTests;
    totals.failed += result.numFailedTests;
    totals.skipped += result.numPendingTests + result.numTodoTests;
    // A suite that failed to load has no failed test but did fail.
    if (status !== 0 && result.numFailedTests === 0) totals.failed += 1;
  } catch {
    totals.failed += 1;
  }
  if (status !== 0) failedSteps.push(name);
}

/** The outage suite restarts PostgreSQL itself; this is the last safety net if jest died on the way. */
function restartPostgresIfStopped() {
  const { existsSync, readdirSync } = require('node:fs');
  if (process.getuid?.() !== 0 || !existsSync('/etc/postgresql') || !existsSync('/usr/bin/pg_ctlcluster')) return;
  const version = readdirSync('/etc/postgresql').sort().pop();
  const status = spawnSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'status'], {
    stdio: 'ignore',
  });
  if (status.status !== 0) run('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start']);
}

if (run('npm', ['run', '--silent', 'build']) !== 0) {
  console.error('The build failed.');
  process.exit(1);
}
jestStep('unit', 'jest.unit.config.js');
jestStep('e2e', 'jest.e2e.config.js');
jestStep('browser', 'jest.browser.config.js');
try {
  jestStep('serial', 'jest.serial.config.js');
} finally {
  restartPostgresIfStopped();
}
rmSync(reports, { recursive: true, force: true });

if (failedSteps.length > 0) console.error(`\nFailed: ${failedSteps.join(', ')}`);
console.log(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(failedSteps.length > 0 ? 1 : 0);
