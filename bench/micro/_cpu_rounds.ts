/**
 * The measuring loop the micro benchmarks share: CPU time (not wall time: the machine may be
 * shared) per operation over several rounds, sorted from best to worst.
 */
import process from "node:process";

/**
 * Runs `rounds` rounds of `perRound` calls of `op`, `concurrency` of them at a time, and
 * returns each round's CPU µs per call, sorted ascending (index 0 is the best round).
 *
 * @example
 * ```ts ignore
 * const rounds = await cpuRounds(5, 4000, once);
 * console.log(`median ${rounds[2].toFixed(2)} CPU µs/op`);
 * ```
 */
export async function cpuRounds(rounds: number, perRound: number, op: () => Promise<unknown>, concurrency = 1): Promise<number[]> {
  const results: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const start = process.cpuUsage();
    let left = perRound;
    const worker = async () => {
      while (left-- > 0) await op();
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const used = process.cpuUsage(start);
    results.push((used.user + used.system) / perRound);
  }
  return results.sort((a, b) => a - b);
}
