import { readFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * `v2g start` records its process id beside the data directory
 * (`<dataDir>.pid`), so `v2g stop --config` can find the LEAG however it was
 * started, and a second start can say which process runs it. The LevelDB lock
 * stays the authority on "running"; the file only names the holder.
 */
export const pidFileOf = (dataDir: string) => `${dataDir}.pid`;

/** The pid in the file, if that process is alive and is a `v2g start` (a pid can be reused). */
export async function runningPid(dataDir: string): Promise<number | null> {
  const text = await readFile(pidFileOf(dataDir), 'utf8').catch(() => null);
  const pid = Number(text?.trim());
  if (!Number.isSafeInteger(pid) || pid <= 0) return null;
  try {
    process.kill(pid, 0);
  } catch {
    return null;
  }
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return argv.includes('start') ? pid : null;
  } catch {
    // No /proc (not Linux): a live process under the recorded pid is taken at its word.
    return pid;
  }
}

/** Records this process; returns a function that removes the file if it still names this process. */
export async function writePidFile(dataDir: string): Promise<() => Promise<void>> {
  const path = pidFileOf(dataDir);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${process.pid}\n`);
  return async () => {
    const now = await readFile(path, 'utf8').catch(() => '');
    if (now.trim() === String(process.pid)) await rm(path, { force: true });
  };
}

/** Sends SIGTERM and waits for the process to exit; false if it is still there after `timeoutMs`. */
export async function stopProcess(pid: number, timeoutMs = 30_000): Promise<boolean> {
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}
