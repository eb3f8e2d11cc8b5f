/**
 * Self-time summary of a V8 `.cpuprofile` (what `npm run bench -- --cpu-prof` writes for each Node
 * engine and row): `npx tsx bench/profile.ts <file.cpuprofile> [top]`.
 */
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  readonly name: string;
  readonly where: string;
  readonly ms: number;
  /** Share of the busy time (everything but "(idle)"). */
  readonly share: number;
}

const ROOT = fileURLToPath(new URL("..", import.meta.url));

export function selfTimes(path: string): { busyMs: number; idleMs: number; rows: SelfTime[] } {
  const profile = JSON.parse(readFileSync(path, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const totals = new Map<string, { name: string; where: string; us: number }>();
  let idle = 0;
  let busy = 0;
  profile.samples.forEach((id, i) => {
    const dt = Math.max(0, profile.timeDeltas[i] ?? 0);
    const node = byId.get(id);
    if (node === undefined) return;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === "(idle)") {
      idle += dt;
      return;
    }
    busy += dt;
    const file = url.startsWith("file://") ? relative(ROOT, fileURLToPath(url)) : url;
    // tsx-compiled sources report line 0 for everything: keep the file only.
    const where = file && lineNumber > 0 ? `${file}:${lineNumber + 1}` : file;
    const key = `${functionName}@${where}`;
    const row = totals.get(key) ?? { name: functionName || "(anonymous)", where, us: 0 };
    row.us += dt;
    totals.set(key, row);
  });
  const rows = [...totals.values()]
    .sort((a, b) => b.us - a.us)
    .map((r) => ({ name: r.name, where: r.where, ms: r.us / 1000, share: busy > 0 ? r.us / busy : 0 }));
  return { busyMs: busy / 1000, idleMs: idle / 1000, rows };
}

export function formatSelfTimes(path: string, top = 20): string {
  const { busyMs, idleMs, rows } = selfTimes(path);
  const lines = [`${path}: ${(busyMs / 1000).toFixed(1)} s busy (${(idleMs / 1000).toFixed(1)} s idle); top self time:`];
  for (const r of rows.slice(0, top)) {
    lines.push(`  ${(100 * r.share).toFixed(1).padStart(5)}%  ${r.ms.toFixed(0).padStart(7)} ms  ${r.name}  ${r.where}`);
  }
  return lines.join("\n");
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [file, top] = process.argv.slice(2);
  if (file === undefined) {
    console.error("usage: npx tsx bench/profile.ts <file.cpuprofile> [top]");
    process.exit(2);
  }
  console.log(formatSelfTimes(file, top === undefined ? 20 : Number(top)));
}
