/**
 * The measuring loop the micro benchmarks share: CPU time (not wall time: the machine may be
 * shared) per operation over several rounds, sorted from best to worst.
 */
import process from "node:process";

/**
 * Runs `rounds` rounds of `perRound` calls of `op`, `concurrency` of them at a time, and
 * returns each round's CPU µs per call, sorted ascending (index 0 is the best round). `op` is
 * given the number of the worker calling it (0 to concurrency - 1): a worker's calls run one
 * after another, so an op may keep each worker to its own session.
 *
 * @example
 * ```ts ignore
 * const rounds = await cpuRounds(5, 4000, once);
 * console.log(`median ${rounds[2].toFixed(2)} CPU µs/op`);
 * ```
 */
export async function cpuRounds(rounds: number, perRound: number, op: (worker: number) => Promise<unknown>, concurrency = 1): Promise<number[]> {
  const results: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const start = process.cpuUsage();
    let left = perRound;
    const worker = async (_: unknown, index: number) => {
      while (left-- > 0) await op(index);
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const used = process.cpuUsage(start);
    results.push((used.user + used.system) / perRound);
  }
  return results.sort((a, b) => a - b);
}
