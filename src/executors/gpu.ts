/**
 * GPU discovery with `nvidia-smi`, where it exists. A host without it (or where it fails)
 * has no GPUs as far as TGP is concerned; the operator can still declare them by flag.
 */
import { execFile } from 'node:child_process';

export interface DetectedGpus {
  count: number;
  /** Model of the first GPU as TGP names models ("T4", "A10", "A100-SXM4-40GB"). */
  model: string;
  /** Raw device names, one per GPU, as nvidia-smi prints them. */
  names: string[];
}

export const NO_GPUS: DetectedGpus = { count: 0, model: '', names: [] };

/** "Tesla T4" -> "T4", "NVIDIA A10G" -> "A10G", "NVIDIA GeForce RTX 4090" -> "RTX-4090". */
export function modelName(deviceName: string): string {
  const words = deviceName
    .trim()
    .split(/\s+/)
    .filter((w) => !/^(nvidia|tesla|geforce|quadro)$/i.test(w));
  return words.join('-');
}

/** Parses `nvidia-smi --query-gpu=name --format=csv,noheader` output. */
export function parseNvidiaSmi(stdout: string): DetectedGpus {
  const names = stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  if (names.length === 0) return NO_GPUS;
  return { count: names.length, model: modelName(names[0] ?? ''), names };
}

/** Runs nvidia-smi from PATH (`binary` overrides it); resolves NO_GPUS when it is absent. */
export function detectGpus(binary = 'nvidia-smi', timeoutMs = 10_000): Promise<DetectedGpus> {
  return new Promise((resolve) => {
    execFile(
      binary,
      ['--query-gpu=name', '--format=csv,noheader'],
      { timeout: timeoutMs },
      (err, stdout) => resolve(err ? NO_GPUS : parseNvidiaSmi(stdout)),
    );
  });
}
