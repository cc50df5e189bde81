// The order upstreams are tried in for one query: `random` (a fresh shuffle each query, CoreDNS's
// default), `round_robin` (rotating start), `sequential` (always as configured).

export type PolicyName = 'random' | 'round_robin' | 'sequential';

export interface Policy {
  order<T>(items: readonly T[]): readonly T[];
}

class RandomPolicy implements Policy {
  order<T>(items: readonly T[]): readonly T[] {
    if (items.length <= 1) return items;
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      const t = out[i]!;
      out[i] = out[j]!;
      out[j] = t;
    }
    return out;
  }
}

class RoundRobinPolicy implements Policy {
  #next = 0;
  order<T>(items: readonly T[]): readonly T[] {
    if (items.length <= 1) return items;
    const start = this.#next % items.length;
    this.#next = (this.#next + 1) % items.length;
    return [...items.slice(start), ...items.slice(0, start)];
  }
}

class SequentialPolicy implements Policy {
  order<T>(items: readonly T[]): readonly T[] {
    return items;
  }
}

export function makePolicy(name: PolicyName): Policy {
  switch (name) {
    case 'random':
      return new RandomPolicy();
    case 'round_robin':
      return new RoundRobinPolicy();
    case 'sequential':
      return new SequentialPolicy();
  }
}

/** One upstream picked at random, for when every upstream is marked down. */
export function pickRandom<T>(items: readonly T[]): T {
  return items[Math.floor(Math.random() * items.length)]!;
}
