/**
 * A wait that ends after its time or as soon as something rings, whichever
 * comes first. A ring while nobody waits is kept for the next wait, so news
 * that arrives while a loop is busy is never slept through.
 */
export class Alarm {
  private ring: (() => void) | null = null;
  private rang = false;

  wait(ms: number): Promise<void> {
    if (this.rang) {
      this.rang = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.wake(), ms);
      this.ring = () => {
        clearTimeout(timer);
        this.ring = null;
        resolve();
      };
    });
  }

  wake(): void {
    if (this.ring !== null) this.ring();
    else this.rang = true;
  }
}
