interface Step {
  at: number;
  seq: number;
  run: () => Promise<void>;
}

const stepOrder = (a: Step, b: Step) => a.at - b.at || a.seq - b.seq;

/**
 * What happens in the store, in time order. Everything is planned first (all the random choices
 * of the plan come from one generator, in one order), then played: each step reads the device's
 * copy of the store for what depends on earlier steps (the amount due, a card's balance).
 */
export class Agenda {
  #steps: Step[] = [];
  #seq = 0;
  #cursor = -1;

  add(at: number, run: () => Promise<void>): void {
    const step = { at, seq: this.#seq++, run };
    if (this.#cursor < 0) {
      this.#steps.push(step);
      return;
    }
    // Added while playing (a walk-in waiting for a free technician): keep the rest in order.
    let lo = this.#cursor + 1;
    let hi = this.#steps.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (stepOrder(this.#steps[mid]!, step) <= 0) lo = mid + 1;
      else hi = mid;
    }
    this.#steps.splice(lo, 0, step);
  }

  /** Plays every step up to `until`; what comes later has not happened yet. */
  async play(until: number): Promise<void> {
    this.#steps.sort(stepOrder);
    for (this.#cursor = 0; this.#cursor < this.#steps.length; this.#cursor++) {
      const step = this.#steps[this.#cursor]!;
      if (step.at > until) break;
      await step.run();
    }
  }
}
