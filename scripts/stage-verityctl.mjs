// Tauri's beforeBundleCommand (tauri.conf.json): stages verityctl, its manual pages and shell
// completions for the Linux .deb and .rpm (scripts/stage-verityctl). Node, not bash, so that the
// command also runs (and does nothing) where Tauri bundles for Windows or macOS.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const triple = process.env.TAURI_ENV_TARGET_TRIPLE ?? '';
if (process.platform !== 'linux' || (triple !== '' && !triple.includes('-linux-'))) {
  process.exit(0);
}
const script = fileURLToPath(new URL('./stage-verityctl', import.meta.url));
const r = spawnSync('bash', [script], { stdio: 'inherit' });
process.exit(r.status ?? 1);
