// Runs the real kubectl against a test API server: the binary named by KUBECTL in the environment
// (default `kubectl` on PATH), with the server's kubeconfig and a discovery cache of its own per
// test, so one server's discovery never leaks into another's. `apply -k` goes through kubectl's
// own kustomize where it can read our kustomizations (kubectl 1.21 and later; earlier ones embed
// kustomize v2.0.3, which knows neither `labels` nor `patches`), and otherwise through the
// repository's kustomize build rendered to YAML for `kubectl apply -f -`.

import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { build } from '../manifests/kustomize.js';

export interface KubectlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function kubectlBinary(): string {
  return process.env['KUBECTL'] ?? 'kubectl';
}

function exec(args: readonly string[], env: NodeJS.ProcessEnv, stdin?: string): Promise<KubectlResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(kubectlBinary(), [...args], { env, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err !== null && typeof err.code !== 'number') {
        reject(new Error(`kubectl ${args.join(' ')} did not run: ${err.message}\n${stderr}`));
        return;
      }
      resolve({ code: err === null ? 0 : (err.code as number), stdout, stderr });
    });
    if (stdin !== undefined) child.stdin?.end(stdin);
  });
}

export class Kubectl {
  private constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly cacheDir: string,
    /** Client minor version (20 for kubectl 1.20). */
    readonly minor: number,
  ) {}

  /** A kubectl for the server of `kubeconfig`, caching discovery under `dir`. */
  static async forServer(kubeconfig: string, dir: string): Promise<Kubectl> {
    const env = { ...process.env, KUBECONFIG: kubeconfig, HOME: dir };
    const v = await exec(['version', '--client', '-o', 'json'], env);
    const minor = Number(/"minor":\s*"(\d+)/.exec(v.stdout)?.[1] ?? '0');
    if (v.code !== 0 || minor === 0) throw new Error(`cannot tell the version of ${kubectlBinary()}: ${v.stderr}`);
    return new Kubectl(env, join(dir, 'kube-cache'), minor);
  }

  run(args: readonly string[], stdin?: string): Promise<KubectlResult> {
    return exec([`--cache-dir=${this.cacheDir}`, ...args], this.env, stdin);
  }

  /** Runs and returns stdout; a non-zero exit is an error carrying kubectl's stderr. */
  async ok(args: readonly string[], stdin?: string): Promise<string> {
    const r = await this.run(args, stdin);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}:\n${r.stderr}${r.stdout}`);
    return r.stdout;
  }

  /** `kubectl apply -k dir`, or the same objects rendered by the repository's kustomize build. */
  async applyKustomization(dir: string): Promise<KubectlResult> {
    if (this.minor >= 21) return this.run(['apply', '-k', dir]);
    const yaml = build(dir).map((o) => stringify(o)).join('---\n');
    return this.run(['apply', '-f', '-'], yaml);
  }
}
