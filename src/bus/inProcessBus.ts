import type { BusHealth, LifecycleBus, LifecycleHandler, LifecycleMessage } from './lifecycleBus.js';

/**
 * The default bus: in the same process, with the same contract as Kafka. Each subscriber has its
 * own queue, so messages stay in order and a slow handler does not hold up the publisher; a
 * failing handler is retried (at least once).
 */
export class InProcessBus implements LifecycleBus {
  readonly kind = 'in-process';
  private readonly subscribers = new Map<string, Array<{ group: string; enqueue: (m: LifecycleMessage) => void }>>();

  async publish(messages: LifecycleMessage[]): Promise<void> {
    for (const m of messages) {
      const seen = new Set<string>();
      for (const s of this.subscribers.get(m.topic) ?? []) {
        if (seen.has(s.group)) continue; // one member per group
        seen.add(s.group);
        s.enqueue(m);
      }
    }
  }

  async subscribe(topic: string, group: string, handler: LifecycleHandler): Promise<() => Promise<void>> {
    const queue: LifecycleMessage[] = [];
    let running = false;
    let stopped = false;
    const drain = async () => {
      if (running) return;
      running = true;
      while (queue.length > 0 && !stopped) {
        try {
          await handler(queue[0]!);
          queue.shift();
        } catch {
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      running = false;
    };
    const entry = { group, enqueue: (m: LifecycleMessage) => (queue.push(m), void drain()) };
    const list = this.subscribers.get(topic) ?? [];
    list.push(entry);
    this.subscribers.set(topic, list);
    return async () => {
      stopped = true;
      this.subscribers.set(topic, (this.subscribers.get(topic) ?? []).filter((s) => s !== entry));
    };
  }

  async health(): Promise<BusHealth> {
    return { status: 'ok', kind: this.kind };
  }

  async close(): Promise<void> {
    this.subscribers.clear();
  }
}
