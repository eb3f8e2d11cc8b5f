/**
 * Clients of a server process that never read what they asked for, and what the server process
 * shows of them: its resident memory and its open event streams.
 */
import { readFileSync } from "node:fs";
import { connect, type Socket } from "node:net";

/** The resident set size of process `pid` in MiB (VmRSS in /proc/<pid>/status). */
export function rssMiB(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!match) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) / 1024;
}

/** The server's `kiln_event_streams_open` gauge. */
export async function openEventStreams(baseUrl: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const match = /^kiln_event_streams_open (\d+)$/m.exec(text);
  if (!match) throw new Error("no kiln_event_streams_open in /metrics");
  return Number(match[1]);
}

/** `count` sockets that each send `GET path` and then read nothing (the kernel's buffers fill, then the server's). */
export function silentClients(port: number, path: string, count: number): Socket[] {
  return Array.from({ length: count }, () => {
    const socket = connect(port, "127.0.0.1");
    socket.on("error", () => undefined); // the server may drop it
    socket.pause();
    socket.write(`GET ${path} HTTP/1.1\r\nhost: kiln\r\n\r\n`);
    return socket;
  });
}

/** Resolves once `condition` holds (checked every 100 ms), or fails after `timeoutMs` saying `what` (as it is then). */
export async function until(condition: () => boolean | Promise<boolean>, what: string | (() => string), timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${typeof what === "string" ? what : what()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
